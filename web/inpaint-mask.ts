// The inpainting mask as the page keeps it: one byte per model pixel, 0 = keep and 255 = fill,
// nothing in between. POST /v1/inpaintings refuses any other value (src/edits/mask.ts), so the
// mask is never drawn into a canvas and read back (smoothing would blur its edges): brushes and
// presets write these bytes, canvases only show them scaled up.

import type { Raster } from "../src/png/format.js";

export const KEEP = 0;
export const FILL = 255;

export class InpaintMask {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height);
  }

  clear(): void {
    this.pixels.fill(KEEP);
  }

  /** Fills the rows from the middle down (the larger half where the height is odd). */
  lowerHalf(): void {
    this.clear();
    this.pixels.fill(FILL, Math.floor(this.height / 2) * this.width);
  }

  /** Fills the middle square of half the width and height (7..20 of 28, as the API's tests do). */
  centre(): void {
    this.clear();
    const [x0, x1] = [Math.floor(this.width / 4), Math.floor((3 * this.width) / 4)];
    const [y0, y1] = [Math.floor(this.height / 4), Math.floor((3 * this.height) / 4)];
    for (let y = y0; y < y1; y++) this.pixels.fill(FILL, y * this.width + x0, y * this.width + x1);
  }

  /** A round brush: fills every pixel whose centre lies within `radius` of (x, y), in model pixels. */
  dab(x: number, y: number, radius: number): void {
    const [left, right] = [Math.max(0, Math.floor(x - radius)), Math.min(this.width - 1, Math.ceil(x + radius))];
    const [top, bottom] = [Math.max(0, Math.floor(y - radius)), Math.min(this.height - 1, Math.ceil(y + radius))];
    for (let py = top; py <= bottom; py++) {
      for (let px = left; px <= right; px++) {
        if ((px + 0.5 - x) ** 2 + (py + 0.5 - y) ** 2 <= radius ** 2) this.pixels[py * this.width + px] = FILL;
      }
    }
  }

  /** Dabs along a segment, a quarter pixel apart, so a fast drag leaves no gaps between pointer events. */
  stroke(from: { x: number; y: number }, to: { x: number; y: number }, radius: number): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) * 4));
    for (let i = 0; i <= steps; i++) {
      this.dab(from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps, radius);
    }
  }

  filledCount(): number {
    return this.pixels.reduce((n, v) => n + (v === FILL ? 1 : 0), 0);
  }

  /** The mask as the API takes it: an 8-bit greyscale raster of the image's size (a copy). */
  toRaster(): Raster {
    return { width: this.width, height: this.height, channels: 1, pixels: this.pixels.slice() };
  }
}
