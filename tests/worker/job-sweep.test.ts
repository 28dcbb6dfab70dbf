// A Worker job whose queue message is lost still finishes: the job's first step is dropped
// (a producer that sends nothing, as a message lost after its retries), the job stays
// queued, and the Worker's scheduled() handler (its Cron Trigger) finds it overdue and
// starts a new chain on the real local Queue, which runs it to success.

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index.js";
import type { Env } from "../../workers/env.js";
import { call, ORIGIN, shippedManifest } from "./helpers.js";

const model = shippedManifest();
const OVERDUE_MS = 1_000;

interface JobStatus {
  id: string;
  state: string;
  images_total: number;
  images_done: number;
}

async function status(id: string): Promise<JobStatus> {
  return (await call(`/v1/jobs/${id}`)).json<JobStatus>();
}

describe("the Worker's job sweep", () => {
  it("re-enqueues a job whose first message was dropped, and the job completes", async () => {
    const dropped: unknown[] = [];
    const losing: Env = {
      ...env,
      JOBS_QUEUE: {
        send: (body: unknown) => {
          dropped.push(body);
          return Promise.resolve();
        },
      } as unknown as Env["JOBS_QUEUE"],
    };
    const ctx = createExecutionContext();
    const created = await worker.fetch(
      new Request(`${ORIGIN}/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: model.id, count: 6, class: 3, seed: 9_100_000 }),
      }),
      losing,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(created.status).toBe(202);
    const { id } = await created.json<JobStatus>();
    expect(dropped).toHaveLength(1);

    // Nothing moves it: no message is on its way.
    await new Promise((resolve) => setTimeout(resolve, OVERDUE_MS + 300));
    expect(await status(id)).toMatchObject({ state: "queued", images_done: 0 });

    // The Cron Trigger, with the real queue.
    const sweeping: Env = { ...env, JOBS_OVERDUE_MS: String(OVERDUE_MS) };
    const cron = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), sweeping, cron);
    await waitOnExecutionContext(cron);

    const until = Date.now() + 50_000;
    let last = await status(id);
    while ((last.state === "queued" || last.state === "running") && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await status(id);
    }
    expect(last).toMatchObject({ state: "succeeded", images_total: 6, images_done: 6 });

    // A second sweep finds nothing to do: the job is finished.
    const again = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), sweeping, again);
    await waitOnExecutionContext(again);
    expect(await status(id)).toMatchObject({ state: "succeeded" });
  });
});
