// A jobs test bench: the app over an in-memory store with the fake sampler, a job runner
// driven step by step (no timers), a clock the test moves, and pauses that only record.

import type { Clock } from "../../../src/clock.js";
import { JobsHost } from "../../../src/jobs/host.js";
import type { JobRunner } from "../../../src/jobs/runner.js";
import { makeTestApp, postJson, type TestApp } from "../../helpers/fixtures.js";

export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  monotonic(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface JobBench extends TestApp {
  clock: ManualClock;
  runner: JobRunner;
  host: JobsHost;
  /** Pauses the runner asked for (webhook backoff), in ms. */
  pauses: number[];
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  del(path: string, headers?: Record<string, string>): Promise<Response>;
  /** Steps the runner until it has nothing ready, at most `max` steps. */
  drain(max?: number): Promise<number>;
}

export const BASE = "http://edge.test";

export async function jobBench(
  env: Record<string, string> = {},
  options: { fetch?: typeof fetch; clock?: ManualClock; shared?: TestApp["store"]; holder?: string } = {},
): Promise<JobBench> {
  const clock = options.clock ?? new ManualClock();
  const pauses: number[] = [];
  const host = new JobsHost({
    holder: options.holder ?? "router-a",
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    sleep: (ms) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  });
  const t = await makeTestApp(
    { clock, jobs: host, ...(options.shared === undefined ? {} : { store: options.shared }) },
    { JOBS_POLL_MS: "10", JOBS_CHUNK_SIZE: "8", ...env },
  );
  const store = options.shared ?? t.store;
  const runner = host.runner;
  if (runner === undefined) throw new Error("no runner attached");
  return {
    ...t,
    store,
    clock,
    runner,
    host,
    pauses,
    post: (body, headers = {}) => Promise.resolve(postJson(t.app, `${BASE}/v1/jobs`, body, headers)),
    get: (path, headers = {}) => Promise.resolve(t.app.request(`${BASE}${path}`, { headers })),
    del: (path, headers = {}) => Promise.resolve(t.app.request(`${BASE}${path}`, { method: "DELETE", headers })),
    drain: async (max = 10_000) => {
      let steps = 0;
      while (steps < max) {
        clock.advance(20);
        if (!(await runner.step())) break;
        steps++;
      }
      await runner.settled();
      return steps;
    },
  };
}
