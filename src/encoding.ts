// Running F on images for a request: the first encoder that accepts the model, under the
// request's timeout, with its metrics (the data-to-noise twin of decoding.ts).

import type { Encoded } from "./encoder.js";
import { ApiError } from "./errors.js";
import type { ModelEntry } from "./models/registry.js";
import type { Services } from "./services.js";
import { withTimeout } from "./timeout.js";

/** Runs F on `count` images [count,C,H,W] under the request timeout, with the encoder metrics. */
export async function runEncoder(
  services: Services,
  model: ModelEntry,
  classInput: number,
  images: Float32Array,
  count: number,
): Promise<Encoded[]> {
  const { manifest } = model;
  const encoder = services.encoders.find((e) => e.accepts(model));
  if (encoder === undefined) throw new ApiError("sampler_unavailable", `no encoder can serve model ${manifest.id} now`);
  const labels = { encoder: encoder.name, model: manifest.id };
  const timeoutMs = services.config.sampleTimeoutMs;
  try {
    const encoded = await withTimeout(
      encoder.encode({ model, classInput, images, count }),
      timeoutMs,
      () => new ApiError("sampler_timeout", `encoding took longer than ${timeoutMs} ms`),
    );
    services.telemetry.encoderCalls.inc({ ...labels, outcome: "ok" });
    if (encoded.length !== count) throw new ApiError("internal", "internal error");
    return encoded;
  } catch (err) {
    services.telemetry.encoderCalls.inc({ ...labels, outcome: "error" });
    services.logger.error("encoder failed", { ...labels, error: err });
    throw err;
  }
}
