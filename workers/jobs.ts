// Batch jobs on the Worker: the core's queue-driven executor (src/jobs/queue.ts) over this
// Worker's bindings: JOBS_QUEUE carries each job's steps, results stream into SAMPLES
// as R2 multipart uploads.

import { QueueJobs } from "../src/jobs/queue.js";
import { r2Uploads } from "../src/jobs/r2-upload.js";
import type { Env } from "./env.js";

/** The executor, or undefined when wrangler.toml binds no jobs queue (then no jobs API). */
export function createQueueJobs(env: Env): QueueJobs | undefined {
  const queue = env.JOBS_QUEUE;
  if (queue === undefined) return undefined;
  return new QueueJobs({
    queue: {
      send: async (message, delaySeconds) => {
        await queue.send(message, { contentType: "json", delaySeconds });
      },
    },
    openUpload: r2Uploads(env.SAMPLES),
  });
}
