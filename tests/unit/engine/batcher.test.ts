// Dynamic batching with fake timers: requests gather up to MAX_BATCH or MAX_DELAY_MS, mix
// classes and guidance in one run, split back in order; the queue is bounded (503 with
// Retry-After) and a passed deadline drops queued images before they are computed.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Batcher, type BatcherOptions, type JobSpec } from "../../../engine/batching/batcher.js";
import { ApiError } from "../../../src/errors.js";
import { FakeRunner } from "./fake-runner.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now(), monotonic: () => Date.now() };

function setup(options: Partial<BatcherOptions> = {}, workers = 1) {
  const runner = new FakeRunner(workers);
  const events = { depths: [] as number[], sizes: [] as number[], dropped: 0 };
  const batcher = new Batcher({
    maxBatch: 8,
    maxDelayMs: 20,
    maxQueue: 64,
    retryAfterSeconds: 2,
    runner,
    clock,
    events: {
      depth: (n) => events.depths.push(n),
      batch: (_ref, size) => events.sizes.push(size),
      dropped: (n) => (events.dropped += n),
    },
    ...options,
  });
  runner.onIdle = () => batcher.pump();
  return { batcher, runner, events };
}

function job(seeds: number[], extra: Partial<JobSpec> = {}): JobSpec {
  return { ref: "m@1", seeds, classInput: 3, guidance: 1.5, timeoutMs: 10_000, ...extra };
}

describe("Batcher", () => {
  it("waits MAX_DELAY_MS for company, then runs what came as one batch", async () => {
    const { batcher, runner, events } = setup();
    const a = batcher.submit(job([1, 2]));
    const b = batcher.submit(job([3], { classInput: 10, guidance: 0 }));
    expect(runner.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(19);
    expect(runner.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.batches).toEqual([
      { ref: "m@1", sampler: { kind: "g" }, seeds: [1, 2, 3], classes: [3, 3, 10], guidance: [1.5, 1.5, 0] },
    ]);
    runner.finish(12);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.pngs.map((p) => [...p])).toEqual([
      [1, 3, 150],
      [2, 3, 150],
    ]);
    expect(rb.pngs.map((p) => [...p])).toEqual([[3, 10, 0]]);
    expect([ra.batchSizes, ra.queueMs, ra.inferenceMs, ra.encodeMs]).toEqual([[3], 20, 12, 1]);
    expect(events.sizes).toEqual([3]);
    expect(events.depths.at(-1)).toBe(0);
  });

  it("never mixes samplers in one batch: each model and sampler is its own lane", async () => {
    const { batcher, runner } = setup({ maxBatch: 8 });
    const jacobi = { kind: "jacobi", iterations: [1, 4], tolerance: null } as const;
    const results = [
      batcher.submit(job([1])),
      batcher.submit(job([2], { sampler: { kind: "exact" } })),
      batcher.submit(job([3], { sampler: jacobi })),
      batcher.submit(job([4], { sampler: { kind: "jacobi", iterations: [2], tolerance: null } })),
      batcher.submit(job([5], { sampler: { kind: "exact" } })),
    ];
    await vi.advanceTimersByTimeAsync(20);
    for (let i = 0; i < 4; i++) runner.finish();
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all(results);
    const lanes = runner.batches.map((b) => [b.sampler, b.seeds]);
    expect(lanes).toHaveLength(4);
    expect(lanes).toContainEqual([{ kind: "g" }, [1]]);
    expect(lanes).toContainEqual([{ kind: "exact" }, [2, 5]]);
    expect(lanes).toContainEqual([jacobi, [3]]);
    expect(lanes).toContainEqual([{ kind: "jacobi", iterations: [2], tolerance: null }, [4]]);
  });

  it("starts at once when MAX_BATCH images are queued, splitting a request across batches", async () => {
    const { batcher, runner } = setup({ maxBatch: 4 });
    const a = batcher.submit(job([1, 2, 3]));
    const b = batcher.submit(job([4, 5, 6]));
    expect(runner.batches.map((x) => x.seeds)).toEqual([[1, 2, 3, 4]]);
    runner.finish();
    // b's last two images were already due (waiting since t=0 is not needed: the queue has 2 < 4).
    expect(runner.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(runner.batches.map((x) => x.seeds)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    runner.finish();
    expect((await a).batchSizes).toEqual([4]);
    const rb = await b;
    expect(rb.batchSizes).toEqual([4, 2]);
    expect(rb.pngs.map((p) => p[0])).toEqual([4, 5, 6]);
  });

  it("keeps models apart and serves the longest-waiting model first", () => {
    const { batcher, runner } = setup({ maxDelayMs: 0 }, 1);
    void batcher.submit(job([1], { ref: "a@1" }));
    void batcher.submit(job([2], { ref: "b@1" }));
    void batcher.submit(job([3], { ref: "a@1" }));
    expect(runner.batches.map((x) => [x.ref, x.seeds])).toEqual([["a@1", [1]]]);
    runner.finish();
    expect(runner.batches.map((x) => [x.ref, x.seeds]).slice(1)).toEqual([["b@1", [2]]]);
    runner.finish();
    expect(runner.batches.map((x) => [x.ref, x.seeds]).slice(2)).toEqual([["a@1", [3]]]);
    runner.finish();
  });

  it("grows batches while every worker is busy (no batching without pressure)", async () => {
    const { batcher, runner } = setup({ maxDelayMs: 0, maxBatch: 64 });
    const first = batcher.submit(job([0]));
    const rest = Array.from({ length: 10 }, (_, i) => batcher.submit(job([i + 1])));
    expect(runner.batches.map((b) => b.seeds.length)).toEqual([1]);
    runner.finish();
    expect(runner.batches.map((b) => b.seeds.length)).toEqual([1, 10]);
    runner.finish();
    await first;
    expect((await Promise.all(rest)).every((r) => r.batchSizes[0] === 10)).toBe(true);
  });

  it("refuses work beyond MAX_QUEUE with overloaded and Retry-After", async () => {
    const { batcher, runner } = setup({ maxQueue: 4, maxBatch: 2, maxDelayMs: 0 });
    void batcher.submit(job([1, 2]));
    void batcher.submit(job([3, 4, 5]));
    expect(batcher.depth).toBe(3);
    const err = await batcher.submit(job([6, 7])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([(err as ApiError).type, (err as ApiError).status, (err as ApiError).headers["retry-after"]]).toEqual([
      "overloaded",
      503,
      "2",
    ]);
    // What still fits is taken: 3 waiting + 1 = MAX_QUEUE.
    void batcher.submit(job([6]));
    expect(batcher.depth).toBe(4);
    expect(runner.batches).toHaveLength(1);
  });

  it("drops a request's queued images when its deadline passes, before they are computed", async () => {
    const { batcher, runner, events } = setup({ maxDelayMs: 0 });
    const busy = batcher.submit(job([1]));
    const late = batcher.submit(job([2, 3], { timeoutMs: 50 })).catch((e: unknown) => e);
    const other = batcher.submit(job([4]));
    await vi.advanceTimersByTimeAsync(50);
    const err = (await late) as ApiError;
    expect([err.type, err.status]).toEqual(["deadline_exceeded", 504]);
    expect(events.dropped).toBe(2);
    runner.finish();
    expect(runner.batches.map((b) => b.seeds)).toEqual([[1], [4]]);
    runner.finish();
    await Promise.all([busy, other]);
    expect(batcher.depth).toBe(0);
  });

  it("fails every request of a batch whose run failed, and carries on", async () => {
    const { batcher, runner } = setup({ maxDelayMs: 0 });
    const a = batcher.submit(job([1])).catch((e: unknown) => e);
    const b = batcher.submit(job([2]));
    runner.fail("worker died");
    expect(((await a) as ApiError).type).toBe("internal");
    runner.finish();
    expect((await b).pngs).toHaveLength(1);
  });

  it("drops a job's queued images when its signal aborts, and refuses an already aborted one", async () => {
    const { batcher, runner, events } = setup({ maxDelayMs: 0 });
    const running = batcher.submit(job([1]));
    const cancel = new AbortController();
    const queued = batcher.submit(job([2, 3], { signal: cancel.signal }));
    const outcome = queued.then(
      () => "resolved",
      (e: unknown) => (e instanceof ApiError ? e.type : "other"),
    );
    expect(batcher.depth).toBe(2);
    cancel.abort();
    expect(await outcome).toBe("deadline_exceeded");
    expect([batcher.depth, events.dropped]).toEqual([0, 2]);
    runner.finish();
    await running;
    await vi.advanceTimersByTimeAsync(100);
    // Only the first job ever ran: the cancelled one never reached a worker.
    expect(runner.batches.map((b) => b.seeds)).toEqual([[1]]);
    await expect(batcher.submit(job([4], { signal: cancel.signal }))).rejects.toMatchObject({
      type: "deadline_exceeded",
    });
  });
});
