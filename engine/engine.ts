// The Node inference engine both Node entries run (the router's in-process sampler and the
// GPU backend): worker threads that own onnxruntime-node sessions, so inference never runs
// on the event loop, fed by the dynamic batcher (bounded queue, deadlines, cancellation).

import type { Clock } from "../src/clock.js";
import type { SamplerKind } from "../src/flow/samplers.js";
import type { Logger } from "../src/logger.js";
import { Batcher, type BatcherEvents, type JobResult, type JobSpec } from "./batching/batcher.js";
import type { ReadyMessage, WorkerModel } from "./onnx/protocol.js";
import type { ExecutionProvider } from "./onnx/providers.js";
import { WorkerPool } from "./onnx/worker-pool.js";

export interface EngineOptions {
  models: WorkerModel[];
  /** Worker threads, each with its own sessions of every model. */
  workers: number;
  /** onnxruntime intra-op threads per session. */
  intraOpThreads: number;
  /**
   * Nice value added to the inference threads, so under contention the event loop serving
   * HTTP gets the CPU first (engine/onnx/thread-priority.ts); 0 (the default) keeps them level.
   */
  niceness?: number;
  providers: ExecutionProvider[];
  maxBatch: number;
  maxDelayMs: number;
  /** Images that may wait for a worker; more are refused with 503 overloaded. */
  maxQueue: number;
  retryAfterSeconds: number;
  logger: Logger;
  clock: Clock;
  events?: BatcherEvents;
}

export class InferenceEngine {
  readonly pool: WorkerPool;
  readonly batcher: Batcher;
  private report: ReadyMessage | undefined;

  constructor(options: EngineOptions) {
    this.pool = new WorkerPool({
      size: options.workers,
      models: options.models,
      providers: options.providers,
      intraOpThreads: options.intraOpThreads,
      niceness: options.niceness ?? 0,
      logger: options.logger,
      // A worker that frees up starts the next due batch at once (called only after start).
      onIdle: () => this.batcher.pump(),
    });
    this.batcher = new Batcher({
      maxBatch: options.maxBatch,
      maxDelayMs: options.maxDelayMs,
      maxQueue: options.maxQueue,
      retryAfterSeconds: options.retryAfterSeconds,
      runner: this.pool,
      clock: options.clock,
      ...(options.events === undefined ? {} : { events: options.events }),
    });
  }

  /** Starts the workers and loads every model; resolves with what each session runs on. */
  async start(): Promise<ReadyMessage> {
    this.report = await this.pool.start();
    return this.report;
  }

  /** Model refs with a working session (empty before start). */
  servedRefs(): ReadonlySet<string> {
    return new Set(this.report?.sessions.map((s) => s.ref) ?? []);
  }

  /** The samplers a model's sessions run (empty before start or when it failed to load). */
  samplersOf(ref: string): readonly SamplerKind[] {
    return this.report?.sessions.find((s) => s.ref === ref)?.samplers ?? [];
  }

  /** At least one worker is up. */
  ready(): boolean {
    return this.pool.idle() + this.pool.busy() > 0;
  }

  submit(spec: JobSpec): Promise<JobResult> {
    return this.batcher.submit(spec);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
