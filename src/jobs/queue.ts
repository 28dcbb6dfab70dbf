// Jobs worked through a message queue (the Worker's Cloudflare Queue): each job is a chain
// of messages, one step (stepper.ts: lease, one chunk, its record) per message; the step
// sends the job's next message, delayed until the job may run again (pacing, backoff, a
// busy sampler). The message carries what the Node runner keeps in memory between steps
// (failures, budget credit, the throughput window) and the chain's lease, so any isolate
// takes the next step. The store stays the only truth: a lost message leaves a job that
// any later message resumes from its last chunk record.
//
// At-least-once delivery: every step takes the next lease number (renewal at each step),
// so of two copies of one message only the first to write it proceeds; the other finds the
// lease held and waits, resuming the job only if the chain holding it stops.
//
// A chain can stop for good: a message dropped after its retries, a deploy mid-step. The
// sweep (the Worker's Cron Trigger) finds each unfinished job whose lease lapsed
// JOBS_OVERDUE_MS ago (a delayed step holds the lease until it is due) and starts a new
// chain for it; steps are idempotent, so a late message of the old chain costs nothing.

import { toHex } from "../bytes.js";
import type { Limiters } from "../middleware/rate-limit/index.js";
import type { Services } from "../services.js";
import type { JobsAttachment, JobsHostOptions } from "./host.js";
import { stepperDeps } from "./host.js";
import { JOB_ID } from "./layout.js";
import { JobLease, type HeldLease } from "./lease.js";
import type { JobSpec } from "./model.js";
import type { JobRecords } from "./records.js";
import { freshJob, JobStepper, type ActiveJob } from "./stepper.js";

/** One step of one job, as sent through the queue (JSON). */
export interface JobMessage {
  v: 1;
  job: string;
  /** The chain's name in leases (`queue:` and 64 random bits), the same for all its messages. */
  holder: string;
  lease: HeldLease | null;
  failures: number;
  errors: string[];
  credit: number;
  paced: { perMinute: number | null } | null;
  window: { at: number; done: number }[];
}

export interface JobQueue {
  send(message: JobMessage, delaySeconds: number): Promise<void>;
}

/** Cloudflare Queues delay a message by at most 12 hours. */
export const MAX_DELAY_SECONDS = 43_200;

function isJobMessage(body: unknown): body is JobMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Partial<JobMessage>;
  return (
    m.v === 1 &&
    typeof m.job === "string" &&
    JOB_ID.test(m.job) &&
    typeof m.holder === "string" &&
    typeof m.failures === "number" &&
    Array.isArray(m.errors) &&
    typeof m.credit === "number" &&
    Array.isArray(m.window)
  );
}

export type QueueJobsOptions = Omit<JobsHostOptions, "holder" | "sleep"> & { queue: JobQueue };

export class QueueJobs implements JobsAttachment {
  private deps: { stepper: JobStepper; records: JobRecords; services: Services } | undefined;
  /** The sweep's place in the job index: every job before it is finished or expired. */
  private sweepFrom = 0;
  private sweepKnown = -1;

  constructor(private readonly options: QueueJobsOptions) {}

  attach(services: Services, records: JobRecords, limiters: Limiters): void {
    this.deps = { stepper: new JobStepper(stepperDeps(services, records, limiters, this.options)), records, services };
  }

  private attached() {
    if (this.deps === undefined) throw new Error("QueueJobs used before createApp attached it");
    return this.deps;
  }

  async created(spec: JobSpec): Promise<void> {
    await this.options.queue.send(messageOf(freshJob(spec), newHolder(), null), 0);
  }

  /**
   * Starts a new chain for every unfinished job whose next step is overdue (its lease lapsed
   * JOBS_OVERDUE_MS ago, or it was never claimed that long after its creation); returns how
   * many. Reads the index from the first job that may still be unfinished.
   */
  async sweep(): Promise<number> {
    const { records, services } = this.attached();
    const { clock, config, logger } = services;
    const now = clock.now();
    const { ids, last } = await records.indexFrom(this.sweepFrom, this.sweepKnown);
    this.sweepKnown = last;
    let restarted = 0;
    let settledSoFar = true;
    for (const { n, id } of ids) {
      const spec = await records.spec(id);
      if (spec === undefined || now > spec.expiresAt || (await records.final(id)) !== undefined) {
        if (settledSoFar) this.sweepFrom = n + 1;
        continue;
      }
      settledSoFar = false;
      const lease = await records.lease(id);
      const lastHeld = lease === undefined ? spec.createdAt : lease.record.expiresAt;
      if (now - lastHeld < config.jobs.overdueMs) continue;
      await this.options.queue.send(messageOf(freshJob(spec), newHolder(), null), 0);
      logger.warn("job re-enqueued: its next step is overdue", { job: id, overdue_ms: now - lastHeld });
      restarted += 1;
    }
    return restarted;
  }

  /**
   * Takes one step of the message's job and sends the next message. Throws when the step
   * could not be taken (the store failed): the queue redelivers the same message.
   */
  async consume(body: unknown): Promise<void> {
    const { stepper, records, services } = this.attached();
    const { logger, clock, config } = services;
    if (!isJobMessage(body)) {
      logger.warn("job message dropped: not a job message");
      return;
    }
    const spec = await records.spec(body.job);
    if (spec === undefined) {
      logger.warn("job message dropped: no such job", { job: body.job });
      return;
    }
    const job: ActiveJob = {
      ...freshJob(spec),
      failures: body.failures,
      newErrors: body.errors,
      credit: body.credit,
      paced: body.paced,
      window: body.window,
    };
    const lease = new JobLease(records, body.holder, clock, config.jobs.leaseMs, Number.POSITIVE_INFINITY);
    if (body.lease !== null) lease.adopt(spec.id, body.lease);
    const result = await stepper.advance(job, lease);
    if (result === "done") return;
    // The webhook's retries run within this delivery; a failure is tried again by a later message.
    if (result !== "continue" && (await result.webhook)) return;
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((job.notBefore - clock.now()) / 1000)));
    // Held until the delayed step is due (and a lease later), so the sweep leaves it alone.
    if (delaySeconds > 0) await lease.holdUntil(spec.id, clock.now() + delaySeconds * 1000 + config.jobs.leaseMs);
    await this.options.queue.send(messageOf(job, body.holder, lease.heldOn(spec.id) ?? null), delaySeconds);
  }
}

/** A chain's name in leases: `queue:` and 64 random bits. */
function newHolder(): string {
  return `queue:${toHex(crypto.getRandomValues(new Uint8Array(8)))}`;
}

function messageOf(job: ActiveJob, holder: string, lease: HeldLease | null): JobMessage {
  return {
    v: 1,
    job: job.spec.id,
    holder,
    lease,
    failures: job.failures,
    errors: job.newErrors,
    credit: job.credit,
    paced: job.paced,
    window: job.window,
  };
}
