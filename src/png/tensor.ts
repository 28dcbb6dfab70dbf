// Model output to pixels: a float32 [C,H,W] image in [-1,1] becomes interleaved 8-bit
// samples with byte = round((v + 1) * 127.5) clamped to 0..255 (docs/MODEL-CONTRACT.md).

import type { Raster } from "./format.js";

export function toByte(v: number): number {
  const b = Math.round((v + 1) * 127.5);
  // NaN (a broken model) maps to 0 rather than poisoning the image silently elsewhere.
  return b >= 255 ? 255 : b > 0 ? b : 0;
}

/** Image `index` of a [N,C,H,W] float tensor as a Raster (channels-last). */
export function tensorImageToRaster(
  data: Float32Array,
  index: number,
  shape: { channels: number; height: number; width: number },
): Raster {
  const { channels, height, width } = shape;
  if (channels !== 1 && channels !== 3) throw new RangeError(`${channels} channels: PNG output supports 1 or 3`);
  const plane = height * width;
  const base = index * channels * plane;
  if (base + channels * plane > data.length) throw new RangeError(`tensor holds no image ${index}`);
  const pixels = new Uint8Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) pixels[p * channels + c] = toByte(data[base + c * plane + p] ?? NaN);
  }
  return { width, height, channels, pixels };
}
