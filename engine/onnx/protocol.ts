// Messages between the backend's main thread and its inference worker threads: model bytes
// in at start, then one batch per run message, PNGs (transferred, not copied) back.

import type { SamplerKind } from "../../src/flow/samplers.js";
import type { Decoding, ExactDecoding } from "../../src/flow/step.js";
import type { ModelManifest } from "../../src/models/manifest.js";
import type { SamplerSpec } from "../../src/samples/canonical.js";
import type { ExecutionProvider } from "./providers.js";
import type { PriorityOutcome } from "./thread-priority.js";

export interface WorkerModel {
  ref: string;
  /** Verified reverse.onnx bytes (sha256 checked on the main thread). */
  bytes: Uint8Array;
  image: ModelManifest["image"];
  nullClass: number;
  /** Verified decode_step.onnx and its decoding: F's exact inverse (sampler=exact). */
  decodeStep?: { bytes: Uint8Array; exact: ExactDecoding };
  /** Verified jacobi_step.onnx and its decoding (sampler=jacobi). */
  jacobiStep?: { bytes: Uint8Array; decoding: Decoding };
}

export interface InitMessage {
  type: "init";
  models: WorkerModel[];
  providers: ExecutionProvider[];
  /** ORT intra-op threads per session; 0 lets ORT use every core. */
  intraOpThreads: number;
  /** Nice value the worker adds to its own thread before creating sessions (thread-priority.ts). */
  niceness: number;
}

/** One batch: image i uses seeds[i], classes[i] and guidance[i]. */
export interface RunMessage {
  type: "run";
  id: number;
  ref: string;
  seeds: number[];
  classes: number[];
  guidance: number[];
  /**
   * The batch's noise [n,C,H,W], when some images bring their own (reconstruction,
   * interpolation: issue 12); absent: every image's noise comes from its seed.
   */
  z?: Float32Array;
  /** One sampler for the whole batch (the batcher's lanes never mix them); Jacobi schedules per block. */
  sampler: SamplerSpec;
}

export type ToWorker = InitMessage | RunMessage;

/** Which provider a session really runs on, from ORT's own profile of a warm-up run. */
export interface SessionReport {
  ref: string;
  /** The provider that ran most of the graph's nodes. */
  provider: ExecutionProvider | "unknown";
  /** Nodes run per ORT provider name in the warm-up run. */
  nodes: Record<string, number>;
  /** Providers given up before this one, each with the error ORT gave. */
  fallbacks: { provider: ExecutionProvider; error: string }[];
  /** The samplers it runs: g, and exact / jacobi where their step files loaded. */
  samplers: SamplerKind[];
}

export interface ReadyMessage {
  type: "ready";
  sessions: SessionReport[];
  /** Models whose session could not be created on any provider. */
  failed: { ref: string; error: string }[];
  /** The worker thread's nice value after lowering it, or why it stayed as it was. */
  priority: PriorityOutcome;
}

export interface ResultMessage {
  type: "result";
  id: number;
  pngs: Uint8Array[];
  inferenceMs: number;
  encodeMs: number;
}

export interface ErrorMessage {
  type: "error";
  id: number;
  message: string;
}

export type FromWorker = ReadyMessage | ResultMessage | ErrorMessage;
