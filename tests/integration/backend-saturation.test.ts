// The backend under load, with a deliberately slow model (~100 ms per batch of 4 on one
// thread): /health/live still answers within 50 ms because inference runs in a worker
// thread, a full queue answers 503 with Retry-After, and a request whose deadline passes
// while queued gets 504 and its images are never computed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenerateResponseSchema, type GenerateResponse } from "../../src/contract/backend-v1.js";
import { generateBody, metricValue, signedInit, startBackend } from "../helpers/backend.js";
import { ROOT } from "../helpers/fixtures.js";
import type { Running } from "../helpers/processes.js";

let backend: Running & { url: string };

beforeAll(async () => {
  backend = await startBackend({
    MODELS_DIR: `${ROOT}/tests/fixtures/slow-models`,
    MAX_BATCH: "4",
    MAX_DELAY_MS: "0",
    MAX_QUEUE: "64",
    RETRY_AFTER_SECONDS: "3",
  });
});

afterAll(async () => {
  await backend.stop("SIGTERM");
});

const slow = (seeds: number[], extra: Parameters<typeof generateBody>[0] = {}) =>
  generateBody({ model: "slow-biflow", version: "0.0.1-fixture", class: 2, guidance: 1, seeds, ...extra });

async function send(body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${backend.url}/v1/generate`, await signedInit(body));
  return { status: res.status, headers: res.headers, json: await res.json() };
}

async function queueDepth(): Promise<number> {
  return metricValue(await (await fetch(`${backend.url}/metrics`)).text(), "biflow_backend_queue_depth");
}

/** Polls (without sleeping: each poll is a real request) until the backend has work waiting. */
async function untilQueued(): Promise<void> {
  for (let i = 0; i < 500 && (await queueDepth()) === 0; i++);
  expect(await queueDepth()).toBeGreaterThan(0);
}

describe("a saturated backend", () => {
  it("answers /health/live within 50 ms while its worker is busy", async () => {
    // One call before the load: the first answer on a fresh connection pays for setup, not load.
    await (await fetch(`${backend.url}/health/live`)).json();
    let done = 0;
    const load = Array.from({ length: 12 }, (_, i) =>
      send(slow([4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3])).then((r) => {
        done += 1;
        return r;
      }),
    );
    await untilQueued();
    const probes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const res = await fetch(`${backend.url}/health/live`);
      await res.json();
      probes.push(performance.now() - started);
      expect(res.status).toBe(200);
    }
    const busyDuringProbes = done < load.length;
    const results = await Promise.all(load);
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const responses = results.map((r) => GenerateResponseSchema.parse(r.json));
    // The work really blocks a thread for longer than the bound: on the event loop it would show.
    expect(Math.max(...responses.map((r: GenerateResponse) => r.timings_ms.inference))).toBeGreaterThan(50);
    expect(busyDuringProbes).toBe(true);
    // At least 9 of 10 within 50 ms: this machine is shared (other test suites, a training
    // run), so one probe may lose the CPU to another process. Were inference on the event
    // loop, every probe would wait out a whole batch (the 50+ ms checked above).
    const fast = probes.filter((ms) => ms < 50);
    expect(fast.length, `probes (ms): ${probes.map((ms) => ms.toFixed(1)).join(", ")}`).toBeGreaterThanOrEqual(9);
  });

  it("refuses work beyond MAX_QUEUE with 503 and Retry-After, and serves the rest", async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => send(slow([1000 + 4 * i, 1001 + 4 * i, 1002 + 4 * i, 1003 + 4 * i]))),
    );
    const refused = results.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(16);
    for (const r of refused) {
      expect(r.headers.get("retry-after")).toBe("3");
      expect((r.json as { error: { type: string } }).error.type).toBe("overloaded");
    }
  });

  it("drops a queued request whose deadline passes (504) without computing it", async () => {
    const before = await (await fetch(`${backend.url}/metrics`)).text();
    const load = Array.from({ length: 6 }, (_, i) =>
      send(slow([2000 + 4 * i, 2001 + 4 * i, 2002 + 4 * i, 2003 + 4 * i])),
    );
    await untilQueued();
    const late = await send(slow([9001, 9002], { timeout_ms: 20 }));
    expect(late.status).toBe(504);
    expect((late.json as { error: { type: string } }).error.type).toBe("deadline_exceeded");
    await Promise.all(load);
    const after = await (await fetch(`${backend.url}/metrics`)).text();
    const delta = (series: string) => metricValue(after, series) - metricValue(before, series);
    expect(delta("biflow_backend_dropped_images_total")).toBe(2);
    expect(delta('biflow_backend_images_total{model="slow-biflow"}')).toBe(24);
    expect(delta('biflow_backend_batch_size_sum{model="slow-biflow"}')).toBe(24);
    expect(delta('biflow_backend_requests_total{outcome="deadline"}')).toBe(1);
  });
});
