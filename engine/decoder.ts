// G on caller-supplied noise through the Node inference engine (engine/engine.ts): the
// noise joins the dynamic batcher like any sample, runs in a worker thread, and the PNGs
// the worker encodes are read back to rasters (28x28 images: microseconds each).

import { ApiError } from "../src/errors.js";
import type { DecodeBatch, NoiseDecoder } from "../src/decoder.js";
import type { ModelEntry } from "../src/models/registry.js";
import { decodePng } from "../src/png/decode.js";
import type { Raster } from "../src/png/format.js";
import type { InferenceEngine } from "./engine.js";

export class EngineDecoder implements NoiseDecoder {
  readonly name = "engine";

  constructor(
    private readonly engine: InferenceEngine,
    /** Budget of one batch from submission (SAMPLE_TIMEOUT_MS). */
    private readonly timeoutMs: number,
  ) {}

  accepts(model: ModelEntry): boolean {
    return this.engine.servedRefs().has(model.ref);
  }

  decodesExact(model: ModelEntry): boolean {
    return this.engine.samplersOf(model.ref).includes("exact");
  }

  async decode(batch: DecodeBatch): Promise<Raster[]> {
    const { model, count } = batch;
    let result;
    try {
      result = await this.engine.submit({
        ref: model.ref,
        seeds: new Array<number>(count).fill(0),
        noise: batch.noise,
        classInput: batch.classInput,
        guidance: batch.guidance,
        ...(batch.sampler === "exact" ? { sampler: { kind: "exact" as const } } : {}),
        timeoutMs: this.timeoutMs,
        ...(batch.signal === undefined ? {} : { signal: batch.signal }),
      });
    } catch (err) {
      if (err instanceof ApiError && err.type === "deadline_exceeded") {
        throw new ApiError("sampler_timeout", `decoding took longer than ${this.timeoutMs} ms`, { cause: err });
      }
      throw err;
    }
    const max = model.manifest.image.width * model.manifest.image.height;
    return Promise.all(result.pngs.map((png) => decodePng(png, { maxPixels: max })));
  }
}
