// The router's in-process sampler on the Node inference engine (engine/engine.ts): edge
// models run in worker threads with dynamic batching, a full queue answers 503 with
// Retry-After, and a request that times out or is cancelled drops its queued images.

import { ApiError } from "../src/errors.js";
import type { SamplerKind } from "../src/flow/samplers.js";
import type { ModelEntry } from "../src/models/registry.js";
import type { SampleBatch, SampledImage, Sampler, SamplerHealth } from "../src/sampler.js";
import type { InferenceEngine } from "./engine.js";

export interface EngineSamplerOptions {
  engine: InferenceEngine;
  /** Budget of one batch from submission (SAMPLE_TIMEOUT_MS): later images are dropped. */
  timeoutMs: number;
  /** Largest batch this sampler takes (the API allows 64). */
  maxBatch?: number;
}

export class EngineSampler implements Sampler {
  readonly name = "engine";

  constructor(private readonly options: EngineSamplerOptions) {}

  accepts(model: ModelEntry, count: number, kind: SamplerKind = "g"): boolean {
    return (
      model.manifest.placements.includes("edge") && this.runs(model, kind) && count <= (this.options.maxBatch ?? 64)
    );
  }

  /** A model's samplers as its worker sessions loaded them (exact, jacobi: their step files). */
  runs(model: ModelEntry, kind: SamplerKind): boolean {
    return this.options.engine.samplersOf(model.ref).includes(kind);
  }

  async sample(batch: SampleBatch): Promise<SampledImage[]> {
    const { model, seeds } = batch;
    let result;
    try {
      result = await this.options.engine.submit({
        ref: model.ref,
        seeds,
        classInput: batch.classInput,
        guidance: batch.guidance,
        ...(batch.sampler === undefined ? {} : { sampler: batch.sampler }),
        timeoutMs: this.options.timeoutMs,
        ...(batch.signal === undefined ? {} : { signal: batch.signal }),
      });
    } catch (err) {
      // The batcher speaks the backend's contract; the router's API names them its own way.
      if (err instanceof ApiError && err.type === "deadline_exceeded") {
        throw new ApiError("sampler_timeout", `sampling took longer than ${this.options.timeoutMs} ms`, { cause: err });
      }
      throw err;
    }
    return seeds.map((seed, i) => {
      const png = result.pngs[i];
      if (png === undefined) throw new ApiError("internal", "internal error");
      return { seed, png };
    });
  }

  health(): Promise<SamplerHealth> {
    const { engine } = this.options;
    const ok = engine.ready() && engine.servedRefs().size > 0;
    const detail = `onnxruntime-node engine: ${engine.pool.idle() + engine.pool.busy()} worker(s) up, ${engine.servedRefs().size} model(s), ${engine.batcher.depth} image(s) queued`;
    return Promise.resolve({ ok, detail });
  }
}
