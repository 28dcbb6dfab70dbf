// What composite images hold: an interpolation strip (G on slerped noises, frames side by
// side) and a class grid (the sample of one seed for every class, side by side).

import { runDecoder } from "../decoding.js";
import { ApiError } from "../errors.js";
import { slerpFrames } from "../images/slerp.js";
import { tileRasters } from "../images/tile.js";
import type { ModelEntry } from "../models/registry.js";
import { decodePng } from "../png/decode.js";
import { encodePng } from "../png/encode.js";
import type { Raster } from "../png/format.js";
import type { Services } from "../services.js";

/** Class samples resolved concurrently by a grid. */
const CLASSES_AT_ONCE = 2;

export interface Composite {
  png: Uint8Array;
  /** The sampler or decoder that computed it (null when every part came from storage). */
  sampler: string | null;
}

export interface StripRequest {
  model: ModelEntry;
  classIndex: number | null;
  /** Endpoint noises, each [C,H,W]. */
  from: Float32Array;
  to: Float32Array;
  frames: number;
  guidance: number;
}

/** G on `frames` spherical interpolants from `from` to `to`, as one row of tiles. */
export async function interpolationStrip(services: Services, request: StripRequest): Promise<Composite> {
  const { model, frames } = request;
  const { rasters, decoder } = await runDecoder(services, {
    model,
    classInput: request.classIndex ?? model.manifest.null_class,
    noise: slerpFrames(request.from, request.to, frames),
    count: frames,
    guidance: request.guidance,
  });
  return { png: await encodePng(tileRasters(rasters, 1, frames)), sampler: decoder };
}

/**
 * Class k's sample of `seed` for every class k, in class order: each is the very sample
 * its own URL serves (resolved, stored and cached as one), so the grid and the sample URLs agree.
 */
export async function classSamples(
  services: Services,
  model: ModelEntry,
  seed: number,
  guidance: number,
  requestId?: string,
): Promise<{ rasters: Raster[]; sampler: string | null }> {
  const { manifest } = model;
  const resolveOne = async (classIndex: number) => {
    const [sample] = await services.samples.resolve({
      model,
      classIndex,
      seeds: [seed],
      guidance,
      ...(requestId === undefined ? {} : { requestId }),
    });
    if (sample === undefined) throw new ApiError("internal", "internal error");
    return sample;
  };
  // A few classes at a time: enough for the Node engine to batch them together, few enough
  // that a Worker's bound on computations in flight (MAX_COMPUTES_IN_FLIGHT) is not hit.
  const resolved: Awaited<ReturnType<typeof resolveOne>>[] = [];
  for (let k = 0; k < manifest.classes.length; k += CLASSES_AT_ONCE) {
    const classes = manifest.classes.slice(k, k + CLASSES_AT_ONCE).map((_, i) => k + i);
    resolved.push(...(await Promise.all(classes.map(resolveOne))));
  }
  const maxPixels = manifest.image.width * manifest.image.height;
  const rasters = await Promise.all(resolved.map((s) => decodePng(s.bytes, { maxPixels })));
  return { rasters, sampler: resolved.find((s) => s.sampler !== null)?.sampler ?? null };
}

export async function classGrid(
  services: Services,
  model: ModelEntry,
  seed: number,
  guidance: number,
  requestId?: string,
): Promise<Composite> {
  const { rasters, sampler } = await classSamples(services, model, seed, guidance, requestId);
  return { png: await encodePng(tileRasters(rasters, 1, rasters.length)), sampler };
}
