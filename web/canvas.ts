// Draws a Raster (the server's pixel conversion, src/png/tensor.ts) into a canvas at its
// own size, so the canvas holds exactly the bytes the server's PNG holds.

import type { Raster } from "../src/png/format.js";

/** Interleaved grey or RGB samples as opaque RGBA. */
export function rasterToRgba(raster: Raster): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, pixels } = raster;
  const rgba = new Uint8ClampedArray(width * height * 4);
  // Grey repeats its one sample in R, G and B.
  const [g, b] = channels === 1 ? [0, 0] : [1, 2];
  for (let p = 0; p < width * height; p++) {
    rgba[p * 4] = pixels[p * channels] ?? 0;
    rgba[p * 4 + 1] = pixels[p * channels + g] ?? 0;
    rgba[p * 4 + 2] = pixels[p * channels + b] ?? 0;
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

export function drawRaster(canvas: HTMLCanvasElement, raster: Raster): void {
  canvas.width = raster.width;
  canvas.height = raster.height;
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("this browser gives no 2D canvas context");
  context.putImageData(new ImageData(rasterToRgba(raster), raster.width, raster.height), 0, 0);
}
