// THE one module that owns onnxruntime-web: its global settings (single thread, no proxy
// worker, injected WASM), session creation once per model file, and serialized runs.

import * as ort from "onnxruntime-web/wasm";
import { SerialQueue } from "./serial.js";
import { createWasmMarker, withInstantiateRouted, type WasmLoading } from "./wasm-loading.js";

export type { InferenceSession } from "onnxruntime-web/wasm";
export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, ort.Tensor>;

export type RuntimeState = "idle" | "loading" | "ready" | "failed";

export interface OrtRuntimeOptions {
  wasm: WasmLoading;
  /** ORT's own log level; "error" keeps its warnings about unused initializers quiet. */
  logLevel?: "verbose" | "info" | "warning" | "error" | "fatal";
}

/** ORT's env and WASM instance are per process (per isolate): so is this state. */
let wasmReady = false;
/** One queue for the one WASM instance, shared by every OrtRuntime of the process. */
const queue = new SerialQueue();

export class OrtRuntime {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly marker = createWasmMarker();
  private current: RuntimeState = "idle";
  private lastError: string | undefined;

  constructor(private readonly options: OrtRuntimeOptions) {}

  get state(): RuntimeState {
    return this.current;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The session for `ref` (model id@version/file), created once from `load()` and reused. */
  session(ref: string, load: () => Promise<Uint8Array>): Promise<ort.InferenceSession> {
    let session = this.sessions.get(ref);
    if (session === undefined) {
      session = queue.run(() => this.create(load));
      // A failed creation is forgotten so a later request can retry it.
      session.catch(() => this.sessions.delete(ref));
      this.sessions.set(ref, session);
    }
    return session;
  }

  /** Runs a session; runs never overlap (one WASM thread, numThreads = 1). Skipped when `signal` aborts first. */
  run(
    session: ort.InferenceSession,
    feeds: Feeds,
    signal?: AbortSignal,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    return queue.run(() => session.run(feeds), signal);
  }

  /** Runs and tasks waiting for the one WASM thread. */
  get queued(): number {
    return queue.depth;
  }

  tensor(type: "float32", data: Float32Array, dims: readonly number[]): ort.Tensor;
  tensor(type: "int64", data: BigInt64Array, dims: readonly number[]): ort.Tensor;
  tensor(type: "float32" | "int64", data: Float32Array | BigInt64Array, dims: readonly number[]): ort.Tensor {
    return type === "float32"
      ? new ort.Tensor("float32", data as Float32Array, dims)
      : new ort.Tensor("int64", data as BigInt64Array, dims);
  }

  private async create(load: () => Promise<Uint8Array>): Promise<ort.InferenceSession> {
    if (this.current !== "ready") this.current = "loading";
    try {
      const bytes = await load();
      const session = wasmReady ? await this.createSession(bytes) : await this.initialiseWith(bytes);
      this.current = "ready";
      return session;
    } catch (err) {
      this.current = wasmReady ? "ready" : "failed";
      this.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  /** The first session also instantiates ORT's WASM, the one step that needs the loader. */
  private async initialiseWith(bytes: Uint8Array): Promise<ort.InferenceSession> {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = this.options.logLevel ?? "error";
    const { wasm } = this.options;
    let session: ort.InferenceSession;
    if (wasm.kind === "binary") {
      const binary = await wasm.load();
      ort.env.wasm.wasmBinary = binary instanceof Uint8Array ? binary : new Uint8Array(binary);
      session = await this.createSession(bytes);
    } else {
      ort.env.wasm.wasmBinary = this.marker;
      session = await withInstantiateRouted(wasm.module, this.marker, () => this.createSession(bytes));
    }
    wasmReady = true;
    return session;
  }

  private createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
    return ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  }
}
