// The inpainting mask's painting surface: a canvas at the model's size, scaled up without
// smoothing by styles.css, showing the image with the pixels to fill tinted red. A pointer
// drag (mouse, pen or finger) paints brush strokes into the mask's bytes in model pixels;
// the canvas is only ever drawn from the mask, never read back into it.

import type { Raster } from "../src/png/format.js";
import { rasterToRgba } from "./canvas.js";
import { FILL, type InpaintMask } from "./inpaint-mask.js";

/** The brush's radius in model pixels: a dab fills 12 or 13 pixels, about four across, wherever it lands. */
export const BRUSH_RADIUS = 2;

interface Point {
  x: number;
  y: number;
}

export class MaskPainter {
  private image: Raster | undefined;
  /** Where the drag under way last was; undefined while no button is down. */
  private last: Point | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private mask: InpaintMask,
    /** Told after each change, to show what the mask now fills. */
    private readonly changed: () => void,
  ) {
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      // Moves outside the canvas still reach it, so a stroke can run to the image's edge.
      canvas.setPointerCapture(event.pointerId);
      this.last = this.modelPoint(event);
      this.mask.dab(this.last.x, this.last.y, BRUSH_RADIUS);
      this.render();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (this.last === undefined) return;
      const point = this.modelPoint(event);
      this.mask.stroke(this.last, point, BRUSH_RADIUS);
      this.last = point;
      this.render();
    });
    const end = () => (this.last = undefined);
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  }

  /** The pointer's position in model pixels (fractions kept, for the brush's round edge). */
  private modelPoint(event: PointerEvent): Point {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * this.mask.width,
      y: ((event.clientY - box.top) / box.height) * this.mask.height,
    };
  }

  setMask(mask: InpaintMask): void {
    this.mask = mask;
    this.render();
  }

  setImage(image: Raster | undefined): void {
    this.image = image;
    this.render();
  }

  /** The image (mid grey before there is one), with each pixel to fill blended half-way to red. */
  render(): void {
    const { width, height, pixels } = this.mask;
    this.canvas.width = width;
    this.canvas.height = height;
    const image = this.image;
    const rgba =
      image !== undefined && image.width === width && image.height === height
        ? rasterToRgba(image)
        : rasterToRgba({ width, height, channels: 1, pixels: new Uint8Array(width * height).fill(128) });
    for (let p = 0; p < width * height; p++) {
      if (pixels[p] !== FILL) continue;
      rgba[p * 4] = ((rgba[p * 4] ?? 0) + 255) / 2;
      rgba[p * 4 + 1] = (rgba[p * 4 + 1] ?? 0) / 2;
      rgba[p * 4 + 2] = (rgba[p * 4 + 2] ?? 0) / 2;
    }
    const context = this.canvas.getContext("2d");
    if (context === null) throw new Error("this browser gives no 2D canvas context");
    context.putImageData(new ImageData(rgba, width, height), 0, 0);
    this.changed();
  }
}
