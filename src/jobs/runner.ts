// The job executor of one router: finds jobs in the store, claims each with a lease, and
// works them chunk by chunk through the sample service (so the routing policy picks the
// GPU pool or the in-process engine, and stored images are found, not recomputed). After
// each chunk a record is written: a router killed mid-job loses at most the chunk in
// flight, whose stored images the next router finds. One chunk runs at a time per router,
// taken in turn from each owner's jobs (fair share) and never more than a batch's worth,
// so interactive requests wait for at most one chunk.

import type { Clock } from "../clock.js";
import { ApiError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { RateLimiter } from "../middleware/rate-limit/index.js";
import type { ModelRegistry } from "../models/registry.js";
import type { SampleService } from "../samples/service.js";
import type { JobsConfig } from "./config.js";
import { jobKeys } from "./layout.js";
import { JobLease } from "./lease.js";
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

export interface RunnerDeps {
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
  /** This router's name in leases. */
  holder: string;
  sleep?: Sleep;
}

/** The owner's image budget is spent: try this job again later. */
class Paced extends Error {
  constructor(readonly retryAfterMs: number) {
    super("paced by the image budget");
  }
}

interface Active {
  spec: JobSpec;
  notBefore: number;
  failures: number;
  /** Errors since the last chunk record (the record carries the totals). */
  newErrors: string[];
  /** Images already charged to the budget for the chunk about to run. */
  credit: number;
  /** Set while the budget holds the job back: the budget per minute, where the limiter tells. */
  paced: { perMinute: number | null } | null;
  window: { at: number; done: number }[];
  webhookInFlight: boolean;
}

function messageOf(err: unknown): string {
  return err instanceof ApiError ? `${err.type}: ${err.message}` : "internal error";
}

export class JobRunner {
  private readonly active = new Map<string, Active>();
  private readonly served = new Map<string, number>();
  private readonly lease: JobLease;
  private readonly sleep: Sleep;
  private readonly stopping = new AbortController();
  private readonly deliveries = new Set<Promise<void>>();
  private nextIndex = 0;
  private knownIndex = -1;
  private nextDiscovery = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: RunnerDeps) {
    this.lease = new JobLease(deps.records, deps.holder, deps.clock, deps.config.leaseMs);
    this.sleep = deps.sleep ?? realSleep;
  }

  /** Works jobs until stop(). */
  start(): void {
    if (this.loop !== undefined) return;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        let worked = false;
        try {
          worked = await this.step();
        } catch (err) {
          this.deps.logger.error("job step failed", { error: err });
        }
        if (!worked) await this.sleep(this.deps.config.pollMs, this.stopping.signal);
      }
    })();
  }

  /** Stops after the chunk in flight; webhook retries in progress are abandoned (redelivered on restart). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.allSettled([...this.deliveries]);
  }

  /** One scheduling step: look for new jobs (every pollMs), then advance one ready job by one chunk. */
  async step(): Promise<boolean> {
    await this.discover();
    const job = this.pick();
    if (job === undefined) return false;
    this.served.set(job.spec.owner, (this.served.get(job.spec.owner) ?? 0) + 1);
    this.served.set(job.spec.id, (this.served.get(job.spec.id) ?? 0) + 1);
    await this.advance(job);
    return true;
  }

  /** Waits for webhook deliveries started so far (tests). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  private async discover(): Promise<void> {
    const now = this.deps.clock.now();
    if (now < this.nextDiscovery) return;
    this.nextDiscovery = now + this.deps.config.pollMs;
    const { ids, last } = await this.deps.records.indexFrom(this.nextIndex, this.knownIndex);
    for (const { id } of ids) {
      if (this.active.has(id)) continue;
      const spec = await this.deps.records.spec(id);
      if (spec !== undefined) this.active.set(id, this.fresh(spec));
    }
    this.knownIndex = last;
    this.nextIndex = last + 1;
  }

  private fresh(spec: JobSpec): Active {
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

  /** The ready job whose owner, then the job itself, has been served least: fair share. */
  private pick(): Active | undefined {
    const now = this.deps.clock.now();
    let best: Active | undefined;
    let bestScore: [number, number] = [Infinity, Infinity];
    for (const job of this.active.values()) {
      if (job.notBefore > now || job.webhookInFlight) continue;
      const score: [number, number] = [this.served.get(job.spec.owner) ?? 0, this.served.get(job.spec.id) ?? 0];
      if (score[0] < bestScore[0] || (score[0] === bestScore[0] && score[1] < bestScore[1])) {
        best = job;
        bestScore = score;
      }
    }
    return best;
  }

  private drop(job: Active): void {
    this.active.delete(job.spec.id);
    this.served.delete(job.spec.id);
    this.lease.release(job.spec.id);
  }

  private async advance(job: Active): Promise<void> {
    const { records, clock, config } = this.deps;
    const { spec } = job;
    const final = await records.final(spec.id);
    if (final !== undefined) return this.afterFinal(job, final);
    const now = clock.now();
    if (now > spec.expiresAt) return this.drop(job);
    if (!(await this.lease.claim(spec.id))) {
      // Another router works it; look again in case that router dies.
      job.notBefore = now + config.leaseMs / 2;
      return;
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
    this.deps.logger.debug("job chunk", { job: spec.id, chunk: k, images: chunk.seeds.length, computed });
  }

  /** Images per second over this router's last few chunks of the job. */
  private rate(job: Active, done: number, images: number, ms: number): number {
    const at = this.deps.clock.monotonic();
    job.window.push({ at, done });
    if (job.window.length > RATE_WINDOW) job.window.shift();
    const first = job.window[0];
    if (first === undefined || job.window.length < 2) return ms > 0 ? (images * 1000) / ms : 0;
    return ((done - first.done) * 1000) / Math.max(1, at - first.at);
  }

  /**
   * Charges the owner's image budget; when it is spent the job waits (Paced), it is not
   * refused. What was charged stays as credit, so a chunk larger than the budget still runs.
   */
  private async admit(job: Active, images: number): Promise<void> {
    const limiter = this.deps.images;
    if (limiter === undefined) return;
    while (job.credit < images) {
      const want = images - job.credit;
      const decision = await limiter.take(job.spec.owner, want);
      if (decision.ok) {
        job.credit += want;
        return;
      }
      const part = Math.min(want, Math.floor(decision.state?.remaining ?? 0));
      if (part >= 1 && (await limiter.take(job.spec.owner, part)).ok) {
        job.credit += part;
        continue;
      }
      job.paced = { perMinute: decision.state?.quota ?? null };
      throw new Paced(decision.retryAfterSeconds * 1000);
    }
  }

  private async failedAttempt(job: Active, err: unknown): Promise<void> {
    const now = this.deps.clock.now();
    if (err instanceof Paced) {
      job.notBefore = now + Math.max(100, err.retryAfterMs);
      return;
    }
    if (err instanceof ApiError && BUSY.has(err.type)) {
      job.notBefore = now + 1000;
      return;
    }
    job.failures += 1;
    job.newErrors.push(messageOf(err));
    this.deps.logger.warn("job chunk failed", { job: job.spec.id, failures: job.failures, error: err });
    if (job.failures >= MAX_CHUNK_FAILURES) {
      await this.finish(job, "failed", `a chunk failed ${job.failures} times; last: ${messageOf(err)}`);
      return;
    }
    job.notBefore = now + 500 * 2 ** job.failures;
  }

  private async finish(job: Active, state: TerminalState, message: string | null): Promise<void> {
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
    await this.afterFinal(job, stored);
  }

  /** Sends the event's webhook once (in the background), then forgets the job. */
  private async afterFinal(job: Active, final: FinalRecord): Promise<void> {
    const { spec } = job;
    const webhook = spec.webhook;
    const event = `job.${final.state}`;
    const markerKey = jobKeys(spec.id).webhook(event);
    if (webhook === null || (await this.deps.records.store.head(markerKey)) !== undefined) return this.drop(job);
    job.webhookInFlight = true;
    const { clock, logger } = this.deps;
    const delivery = (async () => {
      const data = await jobStatus(this.deps.records, spec, spec.origin, clock.now());
      const result = await deliverWebhook(
        webhook.url,
        webhook.secret,
        { id: `${spec.id}.${event}`, type: event, data },
        { ...this.deps.webhook, clock, logger, wait: (ms) => this.sleep(ms, this.stopping.signal) },
      );
      // Stopped mid-retry: leave no marker, so the next start delivers it.
      if (this.stopping.signal.aborted && !result.delivered) return;
      const marker: WebhookRecord = { delivered: result.delivered, attempts: result.attempts, at: clock.now() };
      await this.deps.records.writeJson(markerKey, marker);
      logger.info("webhook", { job: spec.id, event, delivered: result.delivered, attempts: result.attempts });
      this.drop(job);
    })()
      .catch((err: unknown) => {
        logger.error("webhook failed", { job: spec.id, event, error: err });
        job.webhookInFlight = false;
        job.notBefore = clock.now() + this.deps.config.pollMs;
      })
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }
}
