// Likelihood under the forward model (docs/MODEL-CONTRACT.md): pixels to model input,
// log p(x) = sum(-z^2/2 - log(2 pi)/2) + logdet, and bits/dim on the 0..255 scale.

import type { Raster } from "../png/format.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Byte b -> b / 127.5 - 1 in [-1, 1], channels-last raster -> channels-first [C,H,W]. */
export function rasterToTensor(
  raster: Raster,
  out: Float32Array = new Float32Array(raster.pixels.length),
  offset = 0,
): Float32Array {
  const { width, height, channels, pixels } = raster;
  const plane = width * height;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) out[offset + c * plane + p] = (pixels[p * channels + c] ?? 0) / 127.5 - 1;
  }
  return out;
}

/** Natural-log density of x under F: the standard normal log density of z plus logdet. */
export function logLikelihood(z: Float32Array, logdet: number): number {
  let sum = 0;
  for (const v of z) sum += -0.5 * v * v - HALF_LOG_2PI;
  return sum + logdet;
}

/**
 * Bits per dimension of the 8-bit image: the density on [-1,1] converted to the 0..255
 * scale (x = b / 127.5 - 1, so each dimension adds log2(127.5)).
 */
export function bitsPerDim(logLikelihoodNats: number, dims: number): number {
  return -logLikelihoodNats / (dims * Math.LN2) + Math.log2(127.5);
}
