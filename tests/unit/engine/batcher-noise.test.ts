// Jobs that bring their own noise (reconstruction, interpolation) share batches with seeded
// samples: the batch's z holds each job's noise where its images sit, and the seeded
// images' noise exactly as src/noise/gaussian.ts makes it from their seeds.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Batcher } from "../../../engine/batching/batcher.js";
import { standardNormal } from "../../../src/noise/gaussian.js";
import { FakeRunner } from "./fake-runner.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now(), monotonic: () => Date.now() };
const SIZE = 4;

describe("Batcher with caller noise", () => {
  it("places each job's noise at its images and fills seeded images from their seeds", async () => {
    const runner = new FakeRunner(1);
    const batcher = new Batcher({ maxBatch: 3, maxDelayMs: 20, maxQueue: 64, retryAfterSeconds: 1, runner, clock });
    runner.onIdle = () => batcher.pump();
    const own = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const seeded = batcher.submit({ ref: "m@1", seeds: [9], classInput: 0, guidance: 0, timeoutMs: 1000 });
    const noisy = batcher.submit({
      ref: "m@1",
      seeds: [0, 0],
      noise: own,
      classInput: 1,
      guidance: 0,
      timeoutMs: 1000,
    });
    expect(runner.batches).toHaveLength(1);
    const z = runner.batches[0]?.z;
    expect(z).toBeDefined();
    expect(Array.from(z?.subarray(0, SIZE) ?? [])).toEqual(Array.from(standardNormal(9, SIZE)));
    expect(Array.from(z?.subarray(SIZE) ?? [])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    runner.finish();
    expect((await noisy).pngs).toHaveLength(2);
    expect((await seeded).pngs).toHaveLength(1);
  });

  it("sends no z when no job brings noise (workers fill it from the seeds)", async () => {
    const runner = new FakeRunner(1);
    const batcher = new Batcher({ maxBatch: 1, maxDelayMs: 20, maxQueue: 64, retryAfterSeconds: 1, runner, clock });
    runner.onIdle = () => batcher.pump();
    const done = batcher.submit({ ref: "m@1", seeds: [5], classInput: 0, guidance: 0, timeoutMs: 1000 });
    expect(runner.batches[0]?.z).toBeUndefined();
    runner.finish();
    await done;
  });
});
