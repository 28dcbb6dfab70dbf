// Putting the kept pixels of an inpainting back without a seam. G redraws the whole image, and
// its redrawing of the kept region is only ~19 dB from the real pixels; pasting the real ones
// back over it leaves a jump at the mask's edge, measured at 2.4-4x the image's own gradient
// there (docs/edits.md). So the difference between the real and the drawn pixels at the edge
// (the residual) is carried into the hole and fades out with distance:
//
//   ring 1 (filled pixels 4-adjacent to a kept one): h = mean residual of those kept neighbours
//   ring d > 1 (city-block distance d):             h = decay * mean h of its 8-neighbours in ring d-1
//   filled pixel = round(drawn + h), clamped to 0..255; kept pixel = the image's byte
//
// On the first ring the jump across the edge is then G's own gradient there, and deeper in the
// hole G's drawing is left as it was. A mask with no kept pixel leaves G's image unchanged.
// models/train/inpaint_eval.py computes the same (with tensor shifts); decay was chosen there
// on the validation split.

import type { Raster } from "../png/format.js";
import type { FillMask } from "./mask.js";

const FOUR: readonly (readonly [number, number])[] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];
const EIGHT: readonly (readonly [number, number])[] = [...FOUR, [-1, -1], [-1, 1], [1, -1], [1, 1]];

/** Calls `visit` with each in-image neighbour of pixel p at the given offsets. */
function forNeighbours(
  p: number,
  width: number,
  height: number,
  offsets: readonly (readonly [number, number])[],
  visit: (q: number) => void,
): void {
  const x = p % width;
  const y = (p - x) / width;
  for (const [dy, dx] of offsets) {
    const nx = x + dx;
    const ny = y + dy;
    if (nx >= 0 && ny >= 0 && nx < width && ny < height) visit(ny * width + nx);
  }
}

/** A mask's rings, computed once per request: the blend runs after every one of its decodes. */
export interface FillRings {
  /** Per pixel: 0 kept, d > 0 the city-block distance of a filled pixel to the nearest kept one, -1 unreachable. */
  ring: Int32Array;
  /** The reachable filled pixels, ring by ring. */
  order: Int32Array;
}

export function fillRings(fill: FillMask, width: number, height: number): FillRings {
  const ring = new Int32Array(fill.length).fill(-1);
  // Breadth-first from the kept pixels: `order` lists the filled pixels ring by ring.
  const order = new Int32Array(fill.length);
  let tail = 0;
  const reach = (d: number) => (q: number) => {
    if (ring[q] !== -1) return;
    ring[q] = d;
    order[tail++] = q;
  };
  for (let p = 0; p < fill.length; p++) if (fill[p] !== 1) ring[p] = 0;
  for (let p = 0; p < fill.length; p++) if (ring[p] === 0) forNeighbours(p, width, height, FOUR, reach(1));
  for (let head = 0; head < tail; head++) {
    const p = order[head] ?? 0;
    forNeighbours(p, width, height, FOUR, reach((ring[p] ?? 0) + 1));
  }
  return { ring, order: order.subarray(0, tail) };
}

/** `drawn` with the image's pixels kept exactly and the edge residual faded into the holes. */
export function blendKept(image: Raster, drawn: Raster, rings: FillRings, decay: number): Raster {
  const { width, height, channels } = image;
  const pixels = drawn.pixels.slice();
  const { ring, order } = rings;
  const residual = new Float64Array(ring.length);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < ring.length; p++) {
      if (ring[p] !== 0) continue;
      const i = p * channels + c;
      residual[p] = (image.pixels[i] ?? 0) - (drawn.pixels[i] ?? 0);
      pixels[i] = image.pixels[i] ?? 0;
    }
    for (const p of order) {
      const d = ring[p] ?? 0;
      let sum = 0;
      let count = 0;
      forNeighbours(p, width, height, d === 1 ? FOUR : EIGHT, (q) => {
        if (ring[q] !== d - 1) return;
        sum += residual[q] ?? 0;
        count++;
      });
      residual[p] = (d === 1 ? 1 : decay) * (sum / count);
      const i = p * channels + c;
      pixels[i] = Math.min(255, Math.max(0, Math.floor((drawn.pixels[i] ?? 0) + (residual[p] ?? 0) + 0.5)));
    }
  }
  return { ...image, pixels };
}
