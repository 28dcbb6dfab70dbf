// The in-browser sampler: the model's reverse.onnx on onnxruntime-web, fed exactly what the
// server feeds it (src/models/reverse-inputs.ts), with WebGPU first and WASM as fallback.

import type * as Ort from "onnxruntime-web";
import { reverseInputs } from "../src/models/reverse-inputs.js";
import { reverseModelPath } from "../src/models/urls.js";
import type { Raster } from "../src/png/format.js";
import { tensorImageToRaster } from "../src/png/tensor.js";
import { fetchReverseModel, type ModelInfo } from "./api.js";
import { loadOrt, probeWebGpu, type Backend, type OrtModule } from "./ort-loader.js";

export interface BrowserBatch {
  model: ModelInfo;
  /** One image per seed; each seed's noise as on the server (src/noise/gaussian.ts). */
  seeds: readonly number[];
  /** A class index, or the model's null_class for unconditional samples. */
  classInput: number;
  /** Canonical guidance (src/keys.ts), as the server feeds it. */
  guidance: number;
}

export interface BrowserResult {
  images: Raster[];
  backend: Backend;
  /** The WebGPU adapter used, e.g. "google swiftshader". */
  adapter?: string;
  /** Why WebGPU was not used, when it was not. */
  fallback?: string;
  /** Loading onnxruntime-web, fetching the model and creating its session (0 once ready). */
  setupMs: number;
  /** session.run for the whole batch. */
  runMs: number;
}

interface Runtime {
  backend: Backend;
  ort: OrtModule;
  adapter?: string;
  fallback?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class BrowserSampler {
  private runtime: Promise<Runtime> | undefined;
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  private readonly models = new Map<string, Promise<Uint8Array>>();

  /** `ortBase`: the router's folder of onnxruntime-web files, with a trailing slash. */
  constructor(private readonly ortBase: string) {}

  async sample(batch: BrowserBatch): Promise<BrowserResult> {
    const started = performance.now();
    // Fetched before any backend is chosen: a missing model is not WebGPU's fault.
    const bytes = await this.modelBytes(batch.model);
    const runtime = await this.currentRuntime();
    try {
      return await this.run(runtime, batch, bytes, started);
    } catch (err) {
      if (runtime.backend !== "webgpu") throw err;
      // An operator or adapter WebGPU cannot handle: the WASM build runs every model.
      const wasm = this.remember(this.wasmRuntime(`WebGPU could not run ${batch.model.id}: ${message(err)}`));
      this.sessions.clear();
      return this.run(await wasm, batch, bytes, started);
    }
  }

  private async run(runtime: Runtime, batch: BrowserBatch, bytes: Uint8Array, started: number): Promise<BrowserResult> {
    const session = await this.session(runtime, batch.model, bytes);
    const setupMs = performance.now() - started;
    const inputs = reverseInputs(batch.model.image, batch.seeds, batch.classInput, batch.guidance);
    const n = batch.seeds.length;
    const { Tensor } = runtime.ort;
    const feeds = {
      z: new Tensor("float32", inputs.z, inputs.dims),
      class: new Tensor("int64", inputs.classes, [n]),
      guidance: new Tensor("float32", inputs.guidance, [n]),
    };
    const ran = performance.now();
    const outputs = await session.run(feeds);
    const runMs = performance.now() - ran;

    const image = outputs.image;
    if (image === undefined || image.type !== "float32" || image.dims.join() !== inputs.dims.join()) {
      throw new Error(`${batch.model.id} reverse.onnx gave no float32 image of shape [${inputs.dims.join(", ")}]`);
    }
    // Outputs stay on the CPU (ORT's default location), so getData() copies nothing back.
    const data = (await image.getData()) as Float32Array;
    const images = batch.seeds.map((_, i) => tensorImageToRaster(data, i, batch.model.image));
    return { images, backend: runtime.backend, adapter: runtime.adapter, fallback: runtime.fallback, setupMs, runMs };
  }

  private currentRuntime(): Promise<Runtime> {
    return this.runtime ?? this.remember(this.firstRuntime());
  }

  /** Makes `runtime` the current one; if it fails to load, the next click tries again. */
  private remember(runtime: Promise<Runtime>): Promise<Runtime> {
    this.runtime = runtime;
    runtime.catch(() => {
      if (this.runtime === runtime) this.runtime = undefined;
    });
    return runtime;
  }

  private async firstRuntime(): Promise<Runtime> {
    const probe = await probeWebGpu();
    if (!probe.available) return this.wasmRuntime(probe.reason);
    try {
      return { backend: "webgpu", ort: await loadOrt("webgpu", this.ortBase), adapter: probe.adapter };
    } catch (err) {
      return this.wasmRuntime(`onnxruntime-web's WebGPU build did not load: ${message(err)}`);
    }
  }

  private async wasmRuntime(fallback: string): Promise<Runtime> {
    return { backend: "wasm", ort: await loadOrt("wasm", this.ortBase), fallback };
  }

  private session(runtime: Runtime, model: ModelInfo, bytes: Uint8Array): Promise<Ort.InferenceSession> {
    const ref = `${model.id}@${model.version}`;
    const existing = this.sessions.get(ref);
    if (existing !== undefined) return existing;
    const session = runtime.ort.InferenceSession.create(bytes, {
      executionProviders: [runtime.backend],
      graphOptimizationLevel: "all",
    });
    // A failed creation is forgotten so that the next click retries it.
    session.catch(() => {
      if (this.sessions.get(ref) === session) this.sessions.delete(ref);
    });
    this.sessions.set(ref, session);
    return session;
  }

  private modelBytes(model: ModelInfo): Promise<Uint8Array> {
    const path = reverseModelPath(model.id, model.version);
    const existing = this.models.get(path);
    if (existing !== undefined) return existing;
    const bytes = fetchReverseModel(path);
    bytes.catch(() => {
      if (this.models.get(path) === bytes) this.models.delete(path);
    });
    this.models.set(path, bytes);
    return bytes;
  }
}
