// The inference worker threads seen from the main thread: start them with the verified
// models, hand each an idle batch at a time, and replace one that dies (its batch fails).

import type { Worker } from "node:worker_threads";
import type { Logger } from "../../src/logger.js";
import type { SamplerSpec } from "../../src/samples/canonical.js";
import type { ExecutionProvider } from "./providers.js";
import type { FromWorker, ReadyMessage, RunMessage, WorkerModel } from "./protocol.js";
import { spawnWorker } from "./spawn.js";

export interface BatchRun {
  ref: string;
  seeds: number[];
  classes: number[];
  guidance: number[];
  /** Noise for the whole batch when some images bring their own (see RunMessage.z). */
  z?: Float32Array;
  sampler: SamplerSpec;
}

export interface BatchOutput {
  pngs: Uint8Array[];
  inferenceMs: number;
  encodeMs: number;
}

/** What the batcher needs from whatever runs batches. */
export interface BatchRunner {
  /** Workers ready and not running a batch now. */
  idle(): number;
  run(batch: BatchRun): Promise<BatchOutput>;
}

export interface WorkerPoolOptions {
  size: number;
  models: WorkerModel[];
  providers: ExecutionProvider[];
  intraOpThreads: number;
  /** Nice value added to each worker thread (engine/onnx/thread-priority.ts). */
  niceness: number;
  logger: Logger;
  spawn?: () => Worker;
  /** Called whenever a worker becomes idle, so queued work can start at once. */
  onIdle?: () => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current: { id: number; resolve: (o: BatchOutput) => void; reject: (e: Error) => void } | undefined;
}

export class WorkerPool implements BatchRunner {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts every worker; resolves with the first worker's report of its sessions. */
  async start(): Promise<ReadyMessage> {
    const reports = await Promise.all(Array.from({ length: this.options.size }, () => this.startOne()));
    const first = reports[0];
    if (first === undefined) throw new Error("WORKERS must be at least 1");
    return first;
  }

  idle(): number {
    return this.slots.filter((s) => s.ready && s.current === undefined).length;
  }

  /** Workers ready and running a batch now. */
  busy(): number {
    return this.slots.filter((s) => s.ready && s.current !== undefined).length;
  }

  run(batch: BatchRun): Promise<BatchOutput> {
    const slot = this.slots.find((s) => s.ready && s.current === undefined);
    if (slot === undefined) return Promise.reject(new Error("no idle inference worker"));
    const id = this.nextId++;
    return new Promise<BatchOutput>((resolve, reject) => {
      slot.current = { id, resolve, reject };
      const message: RunMessage = { type: "run", id, ...batch };
      slot.worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private startOne(replacing?: Slot): Promise<ReadyMessage> {
    const worker = (this.options.spawn ?? spawnWorker)();
    const slot: Slot = { worker, ready: false, current: undefined };
    if (replacing === undefined) this.slots.push(slot);
    else this.slots.splice(this.slots.indexOf(replacing), 1, slot);
    return new Promise<ReadyMessage>((resolve, reject) => {
      worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          slot.ready = true;
          resolve(message);
          this.options.onIdle?.();
          return;
        }
        const current = slot.current;
        if (current === undefined || current.id !== message.id) return;
        slot.current = undefined;
        if (message.type === "result") current.resolve(message);
        else current.reject(new Error(message.message));
        this.options.onIdle?.();
      });
      worker.once("error", (err) => {
        this.options.logger.error("inference worker failed", { error: err });
      });
      worker.once("exit", (code) => {
        const wasReady = slot.ready;
        slot.current?.reject(new Error(`inference worker exited with ${code}`));
        slot.current = undefined;
        slot.ready = false;
        reject(new Error(`inference worker exited with ${code} before it was ready`));
        // A worker that dies while loading would die again: only replace ones that ran.
        if (this.closing || !wasReady || !this.slots.includes(slot)) return;
        this.options.logger.warn("replacing inference worker", { code });
        this.startOne(slot).catch((err: unknown) => this.options.logger.error("worker restart failed", { error: err }));
      });
      // Copies, not transfers: every worker needs the bytes, and the main thread keeps them for restarts.
      worker.postMessage({
        type: "init",
        models: this.options.models,
        providers: this.options.providers,
        intraOpThreads: this.options.intraOpThreads,
        niceness: this.options.niceness,
      });
    });
  }
}
