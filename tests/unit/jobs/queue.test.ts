// The queue-driven executor (the Worker's, src/jobs/queue.ts) over the app with an
// in-memory store and the fake sampler, its queue an array the test delivers from: a job
// runs as a chain of messages to success, and a message delivered twice (Queues deliver
// at least once) moves the job once: the second copy finds the lease taken and waits.

import { describe, expect, it } from "vitest";
import { QueueJobs, type JobMessage } from "../../../src/jobs/queue.js";
import { makeTestApp, postJson } from "../../helpers/fixtures.js";
import { BASE, ManualClock } from "./helpers.js";

const CHUNK = 8;
const LEASE_MS = 30_000;

async function bench(env: Record<string, string> = {}) {
  const clock = new ManualClock();
  const sent: { message: JobMessage; delaySeconds: number }[] = [];
  const jobs = new QueueJobs({
    queue: {
      send: (message, delaySeconds) => {
        // As the queue would: the message as JSON, not the object the sender still holds.
        sent.push({ message: JSON.parse(JSON.stringify(message)) as JobMessage, delaySeconds });
        return Promise.resolve();
      },
    },
  });
  const t = await makeTestApp(
    { clock, jobs },
    {
      JOBS_CHUNK_SIZE: String(CHUNK),
      JOBS_LEASE_MS: String(LEASE_MS),
      ...env,
    },
  );
  const submit = async (count: number, seed: number) => {
    const res = await postJson(t.app, `${BASE}/v1/jobs`, { model: "tiny-biflow", class: 1, count, seed });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const status = async (id: string) =>
    (await (await t.app.request(`${BASE}/v1/jobs/${id}`)).json()) as { state: string; images_done: number };
  const chunks = (id: string) => t.store.keys().filter((k) => k.startsWith(`jobs/v1/${id}/chunks/`)).length;
  return { ...t, clock, sent, jobs, submit, status, chunks };
}

describe("jobs through a queue", () => {
  it("runs a job as a chain of messages, one chunk each, then the results", async () => {
    const b = await bench();
    const id = await b.submit(3 * CHUNK, 100);
    expect(b.sent.map((s) => s.message.job)).toEqual([id]);
    let delivered = 0;
    for (let next = b.sent.shift(); next !== undefined; next = b.sent.shift()) {
      expect(next.delaySeconds).toBe(0);
      b.clock.advance(10);
      await b.jobs.consume(next.message);
      delivered++;
    }
    // Three chunks, then the step that writes the results and the final record.
    expect(delivered).toBe(4);
    expect(await b.status(id)).toMatchObject({ state: "succeeded", images_done: 3 * CHUNK });
    expect(b.sampler.batches.map((x) => x.seeds.length)).toEqual([CHUNK, CHUNK, CHUNK]);
  });

  it("moves the job once when a message is delivered twice; the copy waits for the lease", async () => {
    const b = await bench();
    const id = await b.submit(3 * CHUNK, 200);
    const first = b.sent.shift();
    if (first === undefined) throw new Error("no first message");
    await b.jobs.consume(first.message);
    const second = b.sent.shift();
    if (second === undefined) throw new Error("no second message");
    expect(second.message.lease).not.toBeNull();

    // The same message twice, one after the other.
    await b.jobs.consume(second.message);
    await b.jobs.consume(second.message);
    expect(b.chunks(id)).toBe(2);
    expect(b.sampler.batches).toHaveLength(2);
    const [chain, copy] = b.sent.splice(0);
    // The chain goes on at once; the copy holds no lease and looks again after half of one.
    expect(chain).toMatchObject({ delaySeconds: 0, message: { lease: { n: 1 } } });
    expect(copy).toMatchObject({ delaySeconds: LEASE_MS / 2000, message: { lease: null } });

    // While the chain keeps renewing, the copy never works a chunk.
    b.clock.advance(LEASE_MS / 2);
    await b.jobs.consume(copy?.message);
    expect(b.chunks(id)).toBe(2);
    await b.jobs.consume(chain?.message);
    expect(b.chunks(id)).toBe(3);
    expect(b.sampler.batches).toHaveLength(3);
  });

  it("resumes a job whose chain stopped, once its lease has lapsed", async () => {
    const b = await bench();
    const id = await b.submit(2 * CHUNK, 300);
    const first = b.sent.shift();
    if (first === undefined) throw new Error("no first message");
    await b.jobs.consume(first.message);
    // The chain's next message is lost; a copy of the first arrives (a redelivery).
    b.sent.splice(0);
    await b.jobs.consume(first.message);
    const waiting = b.sent.shift();
    expect(waiting?.message.lease).toBeNull();
    expect(b.chunks(id)).toBe(1);
    b.clock.advance(LEASE_MS + 1);
    await b.jobs.consume(waiting?.message);
    expect(b.chunks(id)).toBe(2);
    for (let next = b.sent.shift(); next !== undefined; next = b.sent.shift()) await b.jobs.consume(next.message);
    expect(await b.status(id)).toMatchObject({ state: "succeeded", images_done: 2 * CHUNK });
    expect(b.sampler.batches).toHaveLength(2);
  });
});

describe("the sweep (the Worker's Cron Trigger)", () => {
  const OVERDUE_MS = 60_000;

  it("starts a new chain for a job whose message was lost, once it is overdue, and only then", async () => {
    const b = await bench({ JOBS_OVERDUE_MS: String(OVERDUE_MS) });
    const id = await b.submit(2 * CHUNK, 300);
    const first = b.sent.shift();
    if (first === undefined) throw new Error("no first message");
    await b.jobs.consume(first.message);
    b.sent.splice(0); // the second step's message is lost
    expect(b.chunks(id)).toBe(1);

    // Not yet overdue: the lease (30 s) lapsed less than JOBS_OVERDUE_MS ago.
    b.clock.advance(LEASE_MS + OVERDUE_MS / 2);
    expect(await b.jobs.sweep()).toBe(0);
    b.clock.advance(OVERDUE_MS);
    expect(await b.jobs.sweep()).toBe(1);
    const restart = b.sent.shift();
    expect(restart).toMatchObject({ delaySeconds: 0, message: { job: id, lease: null } });
    expect(restart?.message.holder).not.toBe(first.message.holder);
    for (let next = restart; next !== undefined; next = b.sent.shift()) await b.jobs.consume(next.message);
    expect(await b.status(id)).toMatchObject({ state: "succeeded", images_done: 2 * CHUNK });
    expect(b.sampler.batches).toHaveLength(2);
    // Finished jobs are passed over from then on.
    b.clock.advance(10 * OVERDUE_MS);
    expect(await b.jobs.sweep()).toBe(0);
  });

  it("leaves a paced chain alone while its delayed step is due later than JOBS_OVERDUE_MS", async () => {
    // 8 images a minute: the job waits about a minute between chunks.
    const b = await bench({ JOBS_OVERDUE_MS: "1000", RATE_LIMIT_IMAGES_PER_MINUTE: String(CHUNK) });
    const id = await b.submit(3 * CHUNK, 400);
    for (let i = 0; i < 2; i++) {
      const next = b.sent.shift();
      if (next === undefined) throw new Error("no message");
      await b.jobs.consume(next.message);
    }
    const delayed = b.sent.shift();
    expect(delayed?.delaySeconds).toBeGreaterThan(30);
    // Well past the 30 s lease and JOBS_OVERDUE_MS, but before the step is due plus a lease.
    b.clock.advance(((delayed?.delaySeconds ?? 0) * 1000) / 2 + LEASE_MS);
    expect(await b.jobs.sweep()).toBe(0);
    expect(b.sent).toEqual([]);
    expect(await b.status(id)).toMatchObject({ state: "running" });
  });
});
