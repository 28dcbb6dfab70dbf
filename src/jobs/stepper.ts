// One step of one job, the same wherever jobs run: read the job's records, hold its lease,
// then either run its next chunk through the sample service (the routing policy picks the
// GPU pool or the local sampler; images already stored are found, not recomputed) and write
// the chunk's record, or finish it (results, final record, webhook). The Node runner
// (runner.ts) calls it from its loop; the Worker's queue consumer (queue.ts) once per
// message. A job's in-flight state (ActiveJob) is plain data, so a queue message carries it.

import type { Clock } from "../clock.js";
import { ApiError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { RateLimiter } from "../middleware/rate-limit/index.js";
import type { ModelRegistry } from "../models/registry.js";
import type { SampleService } from "../samples/service.js";
import type { JobsConfig } from "./config.js";
import { jobKeys } from "./layout.js";
import type { JobLease } from "./lease.js";
import { chunkAt, chunkCount, type JobSpec, type TerminalState } from "./model.js";
import type { ChunkRecord, FinalRecord, JobRecords, WebhookRecord } from "./records.js";
import { writeManifest, writeNpz, writeTar, type ResultDeps } from "./results.js";
import { jobStatus } from "./status.js";
import { deliverWebhook, type WebhookDeps } from "./webhooks.js";

/** Consecutive failed attempts at one chunk (or at the results) before the job fails. */
export const MAX_CHUNK_FAILURES = 5;
const RECENT_ERRORS = 5;
const RATE_WINDOW = 16;

/** Errors that say "busy now", not "broken": the job waits and tries again, uncounted. */
const BUSY: ReadonlySet<string> = new Set(["overloaded", "sampler_unavailable", "rate_limited"]);

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export interface StepperDeps {
  records: JobRecords;
  samples: SampleService;
  registry: ModelRegistry;
  config: JobsConfig;
  clock: Clock;
  logger: Logger;
  /** The image budget (RATE_LIMIT_IMAGES_PER_MINUTE): paces jobs per owner. */
  images?: RateLimiter;
  results: ResultDeps;
  webhook: Omit<WebhookDeps, "wait" | "clock" | "logger">;
  sleep?: Sleep;
  /** Aborted when the executor stops: webhook retries end, leaving no marker (redelivered later). */
  stopping?: AbortSignal;
}

/** A job being worked: its spec and what this executor knows between its steps. */
export interface ActiveJob {
  spec: JobSpec;
  /** Wall-clock ms before which the job should not be stepped again. */
  notBefore: number;
  failures: number;
  /** Errors since the last chunk record (the record carries the totals). */
  newErrors: string[];
  /** Images already charged to the budget for the chunk about to run. */
  credit: number;
  /** Set while the budget holds the job back: the budget per minute, where the limiter tells. */
  paced: { perMinute: number | null } | null;
  /** Recent chunks, wall-clock `at` (it travels between Worker isolates), for images/s. */
  window: { at: number; done: number }[];
  webhookInFlight: boolean;
}

/**
 * What the step left to do: `continue` (step again from job.notBefore), `done` (forget
 * the job), or a webhook delivery under way, resolving true once delivered or given up
 * (then forget the job) and false when it should be tried again from job.notBefore.
 */
export type StepResult = "continue" | "done" | { webhook: Promise<boolean> };

/** The owner's image budget is spent: try this job again later. */
class Paced extends Error {
  constructor(readonly retryAfterMs: number) {
    super("paced by the image budget");
  }
}

function messageOf(err: unknown): string {
  return err instanceof ApiError ? `${err.type}: ${err.message}` : "internal error";
}

export function freshJob(spec: JobSpec): ActiveJob {
  return {
    spec,
    notBefore: 0,
    failures: 0,
    newErrors: [],
    credit: 0,
    paced: null,
    window: [],
    webhookInFlight: false,
  };
}

/**
 * The image-budget key an owner's jobs draw on: a bucket of its own, of the same size
 * (RATE_LIMIT_IMAGES_PER_MINUTE), beside the owner's interactive one, so a million-image job
 * paces itself without turning the owner's sample URLs into 429s. Client keys start with
 * "key:" or "ip:", so no client can name this bucket.
 */
export function jobBudgetKey(owner: string): string {
  return `jobs|${owner}`;
}

export class JobStepper {
  private readonly sleep: Sleep;
  private readonly stopping: AbortSignal;

  constructor(private readonly deps: StepperDeps) {
    this.sleep = deps.sleep ?? realSleep;
    this.stopping = deps.stopping ?? new AbortController().signal;
  }

  /** Advances the job by one chunk (or finishes it) under `lease`. */
  async advance(job: ActiveJob, lease: JobLease): Promise<StepResult> {
    const { records, clock, config } = this.deps;
    const { spec } = job;
    const final = await records.final(spec.id);
    if (final !== undefined) return this.afterFinal(job, final);
    const now = clock.now();
    if (now > spec.expiresAt) return "done";
    if (!(await lease.claim(spec.id))) {
      // Another executor works it; look again in case that one dies.
      job.notBefore = now + config.leaseMs / 2;
      return "continue";
    }
    if ((await records.cancel(spec.id)) !== undefined) return this.finish(job, "cancelled", "cancelled by DELETE");
    const last = await records.lastChunk(spec.id);
    const k = (last?.chunk ?? -1) + 1;
    if (k >= chunkCount(spec)) return this.finish(job, "succeeded", null);
    const model = this.deps.registry.get(spec.model);
    if (model === undefined || model.manifest.version !== spec.version) {
      return this.finish(job, "failed", `model ${spec.model}@${spec.version} is no longer served here`);
    }
    const chunk = chunkAt(spec, k);
    if (chunk === undefined) return this.finish(job, "failed", "internal error");
    const started = clock.monotonic();
    let computed: number;
    try {
      const resolved = await this.deps.samples.resolve({
        model,
        classIndex: chunk.classIndex,
        seeds: chunk.seeds,
        guidance: spec.guidance,
        sampler: spec.sampler,
        admit: (n) => this.admit(job, n),
      });
      computed = resolved.filter((r) => r.source === "computed").length;
    } catch (err) {
      return this.failedAttempt(job, err);
    }
    job.credit = 0;
    job.failures = 0;
    const done = (last?.imagesDone ?? 0) + chunk.seeds.length;
    const record: ChunkRecord = {
      chunk: k,
      imagesDone: done,
      imagesComputed: (last?.imagesComputed ?? 0) + computed,
      errors: (last?.errors ?? 0) + job.newErrors.length,
      recentErrors: [...(last?.recentErrors ?? []), ...job.newErrors].slice(-RECENT_ERRORS),
      rate: this.rate(job, done, chunk.seeds.length, clock.monotonic() - started),
      paced: job.paced,
      at: clock.now(),
    };
    await records.putChunk(spec.id, record);
    job.newErrors = [];
    // The next record says whether the budget held the next chunk back.
    job.paced = null;
    job.notBefore = 0;
    this.deps.logger.debug("job chunk", { job: spec.id, chunk: k, images: chunk.seeds.length, computed });
    return "continue";
  }

  /** Images per second over the job's last few chunks done by this executor (or message chain). */
  private rate(job: ActiveJob, done: number, images: number, ms: number): number {
    const at = this.deps.clock.now();
    job.window.push({ at, done });
    if (job.window.length > RATE_WINDOW) job.window.shift();
    const first = job.window[0];
    if (first === undefined || job.window.length < 2) return ms > 0 ? (images * 1000) / ms : 0;
    return ((done - first.done) * 1000) / Math.max(1, at - first.at);
  }

  /**
   * Charges the owner's job image budget; when it is spent the job waits (Paced), it is not
   * refused. What was charged stays as credit, so a chunk larger than the budget still runs.
   */
  private async admit(job: ActiveJob, images: number): Promise<void> {
    const limiter = this.deps.images;
    if (limiter === undefined) return;
    const budget = jobBudgetKey(job.spec.owner);
    while (job.credit < images) {
      const want = images - job.credit;
      const decision = await limiter.take(budget, want);
      if (decision.ok) {
        job.credit += want;
        return;
      }
      const part = Math.min(want, Math.floor(decision.state?.remaining ?? 0));
      if (part >= 1 && (await limiter.take(budget, part)).ok) {
        job.credit += part;
        continue;
      }
      job.paced = { perMinute: decision.state?.quota ?? null };
      throw new Paced(decision.retryAfterSeconds * 1000);
    }
  }

  private async failedAttempt(job: ActiveJob, err: unknown): Promise<StepResult> {
    const now = this.deps.clock.now();
    if (err instanceof Paced) {
      job.notBefore = now + Math.max(100, err.retryAfterMs);
      return "continue";
    }
    if (err instanceof ApiError && BUSY.has(err.type)) {
      job.notBefore = now + 1000;
      return "continue";
    }
    job.failures += 1;
    job.newErrors.push(messageOf(err));
    this.deps.logger.warn("job chunk failed", { job: job.spec.id, failures: job.failures, error: err });
    if (job.failures >= MAX_CHUNK_FAILURES) {
      return this.finish(job, "failed", `a chunk failed ${job.failures} times; last: ${messageOf(err)}`);
    }
    job.notBefore = now + 500 * 2 ** job.failures;
    return "continue";
  }

  private async finish(job: ActiveJob, state: TerminalState, message: string | null): Promise<StepResult> {
    const { records, clock } = this.deps;
    const { spec } = job;
    const last = await records.lastChunk(spec.id);
    const outputs = { manifest: false, tar: false, npz: false };
    if (state === "succeeded") {
      const model = this.deps.registry.get(spec.model);
      if (model === undefined) return this.finish(job, "failed", `model ${spec.model} is no longer served here`);
      try {
        await writeManifest(spec, model.manifest, this.deps.results);
        outputs.manifest = true;
        if (spec.outputs.tar) await writeTar(spec, this.deps.results, Math.floor(spec.createdAt / 1000));
        outputs.tar = spec.outputs.tar;
        if (spec.outputs.npz) await writeNpz(spec, model.manifest, this.deps.results);
        outputs.npz = spec.outputs.npz;
      } catch (err) {
        this.deps.logger.error("job results failed", { job: spec.id, error: err });
        return this.failedAttempt(job, err);
      }
    }
    const errors = [...(last?.recentErrors ?? []), ...job.newErrors];
    const record: FinalRecord = {
      state,
      finishedAt: clock.now(),
      imagesDone: last?.imagesDone ?? 0,
      imagesComputed: last?.imagesComputed ?? 0,
      errors: (last?.errors ?? 0) + job.newErrors.length,
      recentErrors: errors.slice(-RECENT_ERRORS),
      message,
      outputs,
    };
    await records.writeJson(jobKeys(spec.id).final, record);
    this.deps.logger.info("job finished", {
      job: spec.id,
      state,
      images: record.imagesDone,
      computed: record.imagesComputed,
    });
    const stored = (await records.final(spec.id)) ?? record;
    return this.afterFinal(job, stored);
  }

  /** Starts the event's webhook unless it was delivered (or given up) before. */
  private async afterFinal(job: ActiveJob, final: FinalRecord): Promise<StepResult> {
    const { spec } = job;
    const webhook = spec.webhook;
    const event = `job.${final.state}`;
    const markerKey = jobKeys(spec.id).webhook(event);
    if (webhook === null || (await this.deps.records.store.head(markerKey)) !== undefined) return "done";
    const { clock, logger } = this.deps;
    const delivery = (async () => {
      const data = await jobStatus(this.deps.records, spec, spec.origin, clock.now());
      const result = await deliverWebhook(
        webhook.url,
        webhook.secret,
        { id: `${spec.id}.${event}`, type: event, data },
        { ...this.deps.webhook, clock, logger, wait: (ms) => this.sleep(ms, this.stopping) },
      );
      // Stopped mid-retry: leave no marker, so the next start delivers it.
      if (this.stopping.aborted && !result.delivered) return false;
      const marker: WebhookRecord = { delivered: result.delivered, attempts: result.attempts, at: clock.now() };
      await this.deps.records.writeJson(markerKey, marker);
      logger.info("webhook", { job: spec.id, event, delivered: result.delivered, attempts: result.attempts });
      return true;
    })().catch((err: unknown) => {
      logger.error("webhook failed", { job: spec.id, event, error: err });
      job.notBefore = clock.now() + this.deps.config.pollMs;
      return false;
    });
    return { webhook: delivery };
  }
}
