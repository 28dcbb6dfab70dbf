// Any image the browser decodes, as the model takes it: scaled to the model's width and
// height and reduced to its channels. Shared by the tabs that upload an image (Encode, Edit),
// so both send the server the same bytes for the same file.

import type { Raster } from "../src/png/format.js";
import type { ModelInfo } from "./api.js";

/** Any image the browser decodes, scaled to the model's size: grey (luma) or RGB samples. */
export async function toModelRaster(file: Blob, model: ModelInfo): Promise<Raster> {
  const bitmap = await createImageBitmap(file);
  const { width, height, channels } = model.image;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("this browser gives no 2D canvas context");
  context.drawImage(bitmap, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const pixels = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = [rgba[p * 4] ?? 0, rgba[p * 4 + 1] ?? 0, rgba[p * 4 + 2] ?? 0];
    if (channels === 1) pixels[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else pixels.set([r, g, b], p * 3);
  }
  return { width, height, channels: channels === 1 ? 1 : 3, pixels };
}
