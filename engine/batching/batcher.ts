// Dynamic batching: requests for the same model and sampler (one lane) wait until MAX_BATCH
// images are queued or the oldest has waited MAX_DELAY_MS, then run as one batch on an idle
// worker and are split back. The queue is bounded (overloaded -> 503) and a request's
// deadline drops its work.

import type { Clock } from "../../src/clock.js";
import { ApiError } from "../../src/errors.js";
import { fillStandardNormal } from "../../src/noise/gaussian.js";
import { DEFAULT_SAMPLER, canonicalSampleQuery, type SamplerSpec } from "../../src/samples/canonical.js";
import type { BatchOutput, BatchRunner } from "../onnx/worker-pool.js";

export interface JobSpec {
  /** Model ref (`id@version`): only images of one model share a batch. */
  ref: string;
  seeds: readonly number[];
  classInput: number;
  guidance: number;
  /**
   * Noise of its own, [n,C,H,W] for the n entries of `seeds` (which then only count the
   * images): reconstruction and interpolation decode noise no seed makes (issue 12).
   */
  noise?: Float32Array;
  /** Absent: G's one pass. Only images of one model and one sampler share a batch. */
  sampler?: SamplerSpec;
  /** Budget from submission: images not started by then are dropped, the job fails (504). */
  timeoutMs: number;
  /** Aborting drops the job's images that have not started (the caller gave up on it). */
  signal?: AbortSignal;
}

export interface JobResult {
  pngs: Uint8Array[];
  /** Size of every batch the job's images ran in. */
  batchSizes: number[];
  /** Submission until its last batch started. */
  queueMs: number;
  /** Run and encode time of its batches (each batch counted once). */
  inferenceMs: number;
  encodeMs: number;
}

export interface BatcherEvents {
  depth(images: number): void;
  batch(ref: string, size: number): void;
  dropped(images: number): void;
}

export interface BatcherOptions {
  maxBatch: number;
  maxDelayMs: number;
  /** Images that may wait (not yet running) at once. */
  maxQueue: number;
  retryAfterSeconds: number;
  runner: BatchRunner;
  clock: Clock;
  events?: BatcherEvents;
}

class Job {
  readonly pngs: (Uint8Array | undefined)[];
  readonly batchSizes: number[] = [];
  readonly enqueuedAt: number;
  pending: number;
  queueMs = 0;
  inferenceMs = 0;
  encodeMs = 0;
  done = false;
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly spec: JobSpec,
    now: number,
    readonly resolve: (r: JobResult) => void,
    readonly reject: (e: Error) => void,
  ) {
    this.pngs = new Array<Uint8Array | undefined>(spec.seeds.length);
    this.pending = spec.seeds.length;
    this.enqueuedAt = now;
  }
}

/**
 * The batch's noise when a job in it brings its own: those images copied, the others
 * filled from their seeds as the worker would (src/models/reverse-inputs.ts).
 */
function batchNoise(taken: readonly Slice[]): { z?: Float32Array } {
  const own = taken.find((s) => s.job.spec.noise !== undefined)?.job.spec;
  if (own?.noise === undefined) return {};
  const size = own.noise.length / own.seeds.length;
  const z = new Float32Array(taken.reduce((n, s) => n + s.count, 0) * size);
  let at = 0;
  for (const { job, start, count } of taken) {
    const { noise, seeds } = job.spec;
    if (noise !== undefined) z.set(noise.subarray(start * size, (start + count) * size), at * size);
    else for (let k = 0; k < count; k++) fillStandardNormal(z, seeds[start + k] ?? 0, (at + k) * size, size);
    at += count;
  }
  return { z };
}

/** A queue per model and sampler: a batch runs one graph, so never mixes samplers. */
function laneOf(spec: JobSpec): string {
  const sampler = spec.sampler ?? DEFAULT_SAMPLER;
  return sampler.kind === "g" ? spec.ref : `${spec.ref}?${canonicalSampleQuery({ guidance: 0, sampler })}`;
}

/** Images [start, start + count) of a job, waiting in its lane's queue. */
interface Slice {
  job: Job;
  start: number;
  count: number;
}

export class Batcher {
  private readonly queues = new Map<string, Slice[]>();
  private waiting = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: BatcherOptions) {}

  /** Images waiting for a worker. */
  get depth(): number {
    return this.waiting;
  }

  submit(spec: JobSpec): Promise<JobResult> {
    const n = spec.seeds.length;
    if (this.waiting + n > this.options.maxQueue) {
      return Promise.reject(
        new ApiError("overloaded", `the inference queue is full (${this.waiting} images waiting)`, {
          headers: { "retry-after": String(this.options.retryAfterSeconds) },
        }),
      );
    }
    if (spec.signal?.aborted === true) return Promise.reject(this.abortError(spec));
    return new Promise<JobResult>((resolve, reject) => {
      const job = new Job(spec, this.options.clock.monotonic(), resolve, reject);
      job.timer = setTimeout(() => this.expire(job), spec.timeoutMs);
      spec.signal?.addEventListener("abort", () => this.expire(job, this.abortError(spec)), { once: true });
      const lane = laneOf(spec);
      const queue = this.queues.get(lane) ?? [];
      queue.push({ job, start: 0, count: n });
      this.queues.set(lane, queue);
      this.setWaiting(this.waiting + n);
      this.pump();
    });
  }

  /** Starts every batch that is due on the idle workers; call when a worker frees up. */
  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.dropExpired();
    while (this.options.runner.idle() > 0) {
      const ref = this.dueQueue();
      if (ref === undefined) break;
      this.dispatch(ref);
    }
    // Nothing due yet but a worker is free: come back when the oldest wait reaches MAX_DELAY_MS.
    const wait = this.msUntilDue();
    if (wait !== undefined && this.options.runner.idle() > 0) this.timer = setTimeout(() => this.pump(), wait);
  }

  private queued(ref: string): number {
    return (this.queues.get(ref) ?? []).reduce((n, s) => n + s.count, 0);
  }

  /** The due queue whose oldest image has waited longest: full, or waited MAX_DELAY_MS. */
  private dueQueue(): string | undefined {
    const now = this.options.clock.monotonic();
    let best: { ref: string; since: number } | undefined;
    for (const [ref, queue] of this.queues) {
      const head = queue[0];
      if (head === undefined) continue;
      const due = this.queued(ref) >= this.options.maxBatch || now - head.job.enqueuedAt >= this.options.maxDelayMs;
      if (due && (best === undefined || head.job.enqueuedAt < best.since)) best = { ref, since: head.job.enqueuedAt };
    }
    return best?.ref;
  }

  private msUntilDue(): number | undefined {
    const now = this.options.clock.monotonic();
    let soonest: number | undefined;
    for (const queue of this.queues.values()) {
      const head = queue[0];
      if (head === undefined) continue;
      const wait = Math.max(0, head.job.enqueuedAt + this.options.maxDelayMs - now);
      soonest = soonest === undefined ? wait : Math.min(soonest, wait);
    }
    return soonest;
  }

  /** Takes up to MAX_BATCH images from the head of a queue (splitting a job if needed). */
  private dispatch(ref: string): void {
    const queue = this.queues.get(ref) ?? [];
    const taken: Slice[] = [];
    let size = 0;
    while (size < this.options.maxBatch) {
      const head = queue[0];
      if (head === undefined) break;
      const count = Math.min(head.count, this.options.maxBatch - size);
      taken.push({ job: head.job, start: head.start, count });
      size += count;
      if (count === head.count) queue.shift();
      else queue[0] = { job: head.job, start: head.start + count, count: head.count - count };
    }
    if (queue.length === 0) this.queues.delete(ref);
    this.setWaiting(this.waiting - size);
    const now = this.options.clock.monotonic();
    const jobs = new Set(taken.map((s) => s.job));
    for (const job of jobs) {
      job.queueMs = Math.max(job.queueMs, now - job.enqueuedAt);
      job.batchSizes.push(size);
    }
    const first = taken[0]?.job.spec;
    const modelRef = first?.ref ?? ref;
    this.options.events?.batch(modelRef, size);
    const run = {
      ref: modelRef,
      sampler: first?.sampler ?? DEFAULT_SAMPLER,
      seeds: taken.flatMap((s) => s.job.spec.seeds.slice(s.start, s.start + s.count)),
      classes: taken.flatMap((s) => new Array<number>(s.count).fill(s.job.spec.classInput)),
      guidance: taken.flatMap((s) => new Array<number>(s.count).fill(s.job.spec.guidance)),
      ...batchNoise(taken),
    };
    this.options.runner.run(run).then(
      (output) => this.complete(taken, jobs, output),
      (err: unknown) => {
        const error = new ApiError("internal", "internal error", { cause: err });
        for (const job of jobs) this.finish(job, error);
      },
    );
  }

  private complete(taken: readonly Slice[], jobs: ReadonlySet<Job>, output: BatchOutput): void {
    let offset = 0;
    for (const slice of taken) {
      for (let k = 0; k < slice.count; k++) slice.job.pngs[slice.start + k] = output.pngs[offset + k];
      slice.job.pending -= slice.count;
      offset += slice.count;
    }
    for (const job of jobs) {
      job.inferenceMs += output.inferenceMs;
      job.encodeMs += output.encodeMs;
      if (job.pending === 0) this.finish(job);
    }
  }

  private finish(job: Job, error?: Error): void {
    if (job.done) return;
    job.done = true;
    if (job.timer !== undefined) clearTimeout(job.timer);
    if (error !== undefined) {
      job.reject(error);
      return;
    }
    const pngs = job.pngs.filter((p): p is Uint8Array => p !== undefined);
    if (pngs.length !== job.spec.seeds.length) {
      job.reject(new ApiError("internal", "internal error", { cause: new Error("a batch returned too few images") }));
      return;
    }
    const { batchSizes, queueMs, inferenceMs, encodeMs } = job;
    job.resolve({ pngs, batchSizes, queueMs, inferenceMs, encodeMs });
  }

  /** Jobs past their deadline whose timer has not fired yet (a busy loop) never reach a batch. */
  private dropExpired(): void {
    const now = this.options.clock.monotonic();
    const late = new Set<Job>();
    for (const queue of this.queues.values()) {
      for (const s of queue) if (now - s.job.enqueuedAt >= s.job.spec.timeoutMs) late.add(s.job);
    }
    for (const job of late) this.expire(job);
  }

  private abortError(spec: JobSpec): ApiError {
    return new ApiError("deadline_exceeded", "the request was cancelled before it completed", {
      cause: spec.signal?.reason,
    });
  }

  /** The deadline passed (or the caller aborted): drop what still waits and fail the job. */
  private expire(job: Job, error?: ApiError): void {
    if (job.done) return;
    let dropped = 0;
    for (const [ref, queue] of this.queues) {
      const kept = queue.filter((s) => s.job !== job);
      dropped += queue.reduce((n, s) => n + (s.job === job ? s.count : 0), 0);
      if (kept.length === 0) this.queues.delete(ref);
      else this.queues.set(ref, kept);
    }
    if (dropped > 0) {
      this.setWaiting(this.waiting - dropped);
      this.options.events?.dropped(dropped);
    }
    this.finish(
      job,
      error ??
        new ApiError(
          "deadline_exceeded",
          `the request's deadline of ${job.spec.timeoutMs} ms passed before it completed`,
        ),
    );
  }

  private setWaiting(images: number): void {
    this.waiting = images;
    this.options.events?.depth(images);
  }
}
