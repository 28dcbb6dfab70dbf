// Inpainting through F and G (issue 26, item 2): the holes of an image filled so that the
// whole is a likely sample of the class given what was kept. Forward passes only, no
// gradients, so it runs wherever F and G run (onnxruntime-node, the GPU pool's engine,
// onnxruntime-web in the Worker and the browser):
//
//   x = kept pixels, holes from G(eps_0 | c, w)          a fresh sample fills the holes first
//   for i in 1..steps:
//     z = F(x | c)                                      the current image's noise
//     z = sqrt(1 - t_i^2) z + t_i eps_i                 partly re-noised: G may redraw it
//     x = G(z | c, w), kept pixels put back exactly, the seam blended (seam-blend.ts)
//
// t_i falls linearly from INPAINT_NOISE.from to INPAINT_NOISE.to, chosen on the validation
// split (models/train/inpaint_eval.py, docs/edits.md). The noise eps_i is the documented
// noise of seed (seed + i) mod 2^32 (src/noise/gaussian.ts), so the same inputs and seed give
// the same bytes on one runtime. Every pass goes through runEncoder / runDecoder, so it is
// batched, bounded and measured as the other edits are.

import { runDecoder } from "../decoding.js";
import { rasterToTensor } from "../encode/likelihood.js";
import { ApiError } from "../errors.js";
import type { ModelEntry } from "../models/registry.js";
import { standardNormal } from "../noise/gaussian.js";
import type { Raster } from "../png/format.js";
import { runEncoder } from "../encoding.js";
import type { Services } from "../services.js";
import type { FillMask } from "./mask.js";
import { blendKept, fillRings } from "./seam-blend.js";

/**
 * The re-noising level of the first and the last step, and how fast the kept pixels' residual
 * fades into the hole (seam-blend.ts): chosen on the validation split for fmnist-biflow-s.
 */
export const INPAINT_NOISE = { from: 1.0, to: 0.7, seamDecay: 0.8 } as const;

export interface InpaintRequest {
  model: ModelEntry;
  /** An index 0..K-1 or the manifest's null_class: F and G run under it. */
  classInput: number;
  image: Raster;
  fill: FillMask;
  seed: number;
  steps: number;
  guidance: number;
}

export interface Inpainted {
  raster: Raster;
  /** Where G ran (engine, wasm...), as x-sampler says on samples. */
  decoder: string;
}

/** The noise level of step i of `steps` (1-based): linear from `from` to `to`. */
export function noiseLevel(i: number, steps: number): number {
  const { from, to } = INPAINT_NOISE;
  return steps === 1 ? from : from + ((to - from) * (i - 1)) / (steps - 1);
}

export async function inpaint(services: Services, request: InpaintRequest): Promise<Inpainted> {
  const { model, classInput, image, fill, seed, steps, guidance } = request;
  const size = image.channels * image.width * image.height;
  const rings = fillRings(fill, image.width, image.height);
  const deadline = services.clock.monotonic() + services.config.sampleTimeoutMs;
  let decoder = "none";
  const draw = async (noise: Float32Array): Promise<Raster> => {
    if (services.clock.monotonic() > deadline) {
      throw new ApiError("sampler_timeout", `inpainting took longer than ${services.config.sampleTimeoutMs} ms`);
    }
    const result = await runDecoder(services, { model, classInput, noise, count: 1, guidance });
    decoder = result.decoder;
    const [drawn] = result.rasters;
    if (drawn === undefined) throw new ApiError("internal", "internal error");
    return blendKept(image, drawn, rings, INPAINT_NOISE.seamDecay);
  };
  // Nothing to fill: the image is the answer, and nothing is computed.
  if (!fill.includes(1)) return { raster: { ...image, pixels: image.pixels.slice() }, decoder };

  let current = await draw(standardNormal(seed, size));
  for (let i = 1; i <= steps; i++) {
    const [encoded] = await runEncoder(services, model, classInput, rasterToTensor(current), 1);
    if (encoded === undefined) throw new ApiError("internal", "internal error");
    const t = noiseLevel(i, steps);
    const kept = Math.sqrt(1 - t * t);
    const eps = standardNormal((seed + i) % 4294967296, size);
    const noise = new Float32Array(size);
    for (let j = 0; j < size; j++) noise[j] = kept * (encoded.z[j] ?? 0) + t * (eps[j] ?? 0);
    current = await draw(noise);
  }
  return { raster: current, decoder };
}
