// Running G on given noise for a request: the first decoder that accepts the model, under
// the request's timeout (work not started is dropped at the deadline), with its metrics.

import type { DecodeSampler, NoiseDecoder } from "./decoder.js";
import { ApiError } from "./errors.js";
import type { ModelEntry } from "./models/registry.js";
import type { Raster } from "./png/format.js";
import { SAMPLER_HOME } from "./samples/compute.js";
import type { Services } from "./services.js";
import { withTimeout } from "./timeout.js";

export interface DecodeRequest {
  model: ModelEntry;
  classInput: number;
  noise: Float32Array;
  count: number;
  guidance: number;
  /** Absent: G. */
  sampler?: DecodeSampler;
}

/**
 * The decoder for a model and sampler; sampler_not_available (422) when no decoder here runs
 * that sampler for the model, sampler_unavailable (503) when none can take it now.
 */
export function requireDecoder(services: Services, model: ModelEntry, sampler: DecodeSampler = "g"): NoiseDecoder {
  const runs = (d: NoiseDecoder) => sampler === "g" || d.decodesExact?.(model) === true;
  const decoder = services.decoders.find((d) => d.accepts(model) && runs(d));
  if (decoder !== undefined) return decoder;
  if (sampler !== "g" && !services.decoders.some(runs)) {
    throw new ApiError(
      "sampler_not_available",
      `sampler=${sampler} is not run here for model ${model.manifest.id}: ${SAMPLER_HOME}`,
      { param: "sampler" },
    );
  }
  throw new ApiError("sampler_unavailable", `no decoder can serve model ${model.manifest.id} now`, {
    headers: { "retry-after": "5" },
  });
}

/** G's images of the noises, and the name of the decoder that ran them. */
export async function runDecoder(
  services: Services,
  request: DecodeRequest,
): Promise<{ rasters: Raster[]; decoder: string }> {
  const decoder = requireDecoder(services, request.model, request.sampler);
  const labels = { sampler: decoder.name, model: request.model.manifest.id };
  const timeoutMs = services.config.sampleTimeoutMs;
  const cancel = new AbortController();
  try {
    const rasters = await withTimeout(decoder.decode({ ...request, signal: cancel.signal }), timeoutMs, () => {
      cancel.abort();
      return new ApiError("sampler_timeout", `decoding took longer than ${timeoutMs} ms`);
    });
    if (rasters.length !== request.count) throw new Error(`decoder ${decoder.name} returned ${rasters.length} images`);
    services.telemetry.samplerCalls.inc({ ...labels, outcome: "ok" });
    services.telemetry.samplerImages.inc(labels, request.count);
    return { rasters, decoder: decoder.name };
  } catch (err) {
    services.telemetry.samplerCalls.inc({ ...labels, outcome: "error" });
    if (!(err instanceof ApiError && err.type === "overloaded")) {
      services.logger.error("decoder failed", { ...labels, error: err });
    }
    throw err;
  }
}
