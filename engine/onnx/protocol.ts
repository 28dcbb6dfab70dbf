// Messages between the backend's main thread and its inference worker threads: model bytes
// in at start, then one batch per run message, PNGs (transferred, not copied) back.

import type { ModelManifest } from "../../src/models/manifest.js";
import type { ExecutionProvider } from "./providers.js";

export interface WorkerModel {
  ref: string;
  /** Verified reverse.onnx bytes (sha256 checked on the main thread). */
  bytes: Uint8Array;
  image: ModelManifest["image"];
  nullClass: number;
}

export interface InitMessage {
  type: "init";
  models: WorkerModel[];
  providers: ExecutionProvider[];
  /** ORT intra-op threads per session; 0 lets ORT use every core. */
  intraOpThreads: number;
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
}

export interface ReadyMessage {
  type: "ready";
  sessions: SessionReport[];
  /** Models whose session could not be created on any provider. */
  failed: { ref: string; error: string }[];
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
