// G (or F's exact inverse) on given noise through the GPU pool (issue 26): the edits'
// decodes as contract 3 requests, sent only to backends that list contract 3, with the pool
// sampler's choice, retries and deadline. A batch larger than a request's MAX_SEEDS goes
// as several requests.

import { fromBase64 } from "../bytes.js";
import { MAX_SEEDS, NOISE_CONTRACT_VERSION, type GenerateRequest } from "../contract/backend-v1.js";
import { noiseToWire } from "../contract/noise-wire.js";
import type { DecodeBatch, NoiseDecoder } from "../decoder.js";
import { ApiError } from "../errors.js";
import type { ModelEntry } from "../models/registry.js";
import { decodePng } from "../png/decode.js";
import type { Raster } from "../png/format.js";
import type { PoolSampler } from "./pool-sampler.js";

export class PoolDecoder implements NoiseDecoder {
  readonly name = "gpu-pool";

  constructor(private readonly pool: PoolSampler) {}

  accepts(model: ModelEntry): boolean {
    return this.pool.decodes(model);
  }

  decodesExact(model: ModelEntry): boolean {
    return this.pool.decodes(model, "exact");
  }

  async decode(batch: DecodeBatch): Promise<Raster[]> {
    const { model, count } = batch;
    const { manifest } = model;
    const size = manifest.image.channels * manifest.image.height * manifest.image.width;
    const rasters: Raster[] = [];
    for (let start = 0; start < count; start += MAX_SEEDS) {
      const n = Math.min(MAX_SEEDS, count - start);
      const request: Omit<GenerateRequest, "timeout_ms"> = {
        contract: NOISE_CONTRACT_VERSION,
        model: manifest.id,
        version: manifest.version,
        class: batch.classInput === manifest.null_class ? null : batch.classInput,
        guidance: batch.guidance,
        seeds: Array.from({ length: n }, (_, i) => start + i),
        noise: noiseToWire(batch.noise.subarray(start * size, (start + n) * size)),
        output: "inline",
        ...(batch.sampler === "exact" ? { sampler: { kind: "exact" as const } } : {}),
      };
      const response = await this.pool.attempt(model.ref, batch.sampler ?? "g", request, undefined);
      for (const [i, sample] of response.samples.entries()) {
        if (sample.seed !== start + i || sample.png === undefined) {
          throw new ApiError("internal", "internal error", {
            cause: new Error(`backend answered image ${start + i} with ${sample.seed}`),
          });
        }
        rasters.push(
          await decodePng(fromBase64(sample.png), { maxPixels: manifest.image.width * manifest.image.height }),
        );
      }
    }
    return rasters;
  }
}
