// The mask of an inpainting: an 8-bit greyscale PNG of the image's width and height, 0 where
// the image is kept and 255 where it is filled. Anything else is refused rather than
// thresholded, so a resampled or antialiased mask is caught instead of guessed at.

import { invalidParam } from "../errors.js";
import type { ModelManifest } from "../models/manifest.js";
import { decodePng, PngError, readPngHeader } from "../png/decode.js";

export const KEEP = 0;
export const FILL = 255;

/** One flag per pixel, row-major: 1 where the image is filled, 0 where it is kept. */
export type FillMask = Uint8Array;

function maskError(err: unknown): unknown {
  return err instanceof PngError ? invalidParam("mask", `mask must be an 8-bit greyscale PNG: ${err.message}`) : err;
}

export async function readMask(bytes: Uint8Array, manifest: ModelManifest): Promise<FillMask> {
  const { width, height } = manifest.image;
  let header;
  try {
    header = readPngHeader(bytes, { maxPixels: Infinity });
  } catch (err) {
    throw maskError(err);
  }
  if (header.width !== width || header.height !== height || header.channels !== 1) {
    const got = `${header.width}x${header.height} ${header.channels === 1 ? "greyscale" : "RGB"}`;
    throw invalidParam("mask", `mask must be a ${width}x${height} greyscale PNG for model ${manifest.id}; got ${got}`);
  }
  let raster;
  try {
    raster = await decodePng(bytes, { maxPixels: width * height });
  } catch (err) {
    throw maskError(err);
  }
  const fill = new Uint8Array(width * height);
  for (let p = 0; p < fill.length; p++) {
    const v = raster.pixels[p] ?? -1;
    if (v !== KEEP && v !== FILL) {
      throw invalidParam(
        "mask",
        `mask pixels must be ${KEEP} (keep) or ${FILL} (fill); pixel (${p % width}, ${Math.floor(p / width)}) is ${v}`,
      );
    }
    fill[p] = v === FILL ? 1 : 0;
  }
  return fill;
}
