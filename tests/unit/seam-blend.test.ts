// The seam blend of inpainting (src/edits/seam-blend.ts) against closed forms: a drawn image
// that is the real one shifted by a constant has the same residual everywhere on the edge, so
// ring d of the hole gets back exactly that residual times decay^(d-1).

import { describe, expect, it } from "vitest";
import { blendKept as blendWithRings, fillRings } from "../../src/edits/seam-blend.js";
import type { Raster } from "../../src/png/format.js";

const W = 8;
const H = 6;
const grey = (f: (x: number, y: number) => number): Raster => ({
  width: W,
  height: H,
  channels: 1,
  pixels: Uint8Array.from({ length: W * H }, (_, p) => f(p % W, Math.floor(p / W))),
});
/** Rows from `from` down filled. */
const lowerRows = (from: number) => Uint8Array.from({ length: W * H }, (_, p) => (Math.floor(p / W) >= from ? 1 : 0));

describe("fillRings", () => {
  it("numbers the filled pixels by city-block distance to the kept ones", () => {
    // One kept pixel at (2, 1): the distance is |x - 2| + |y - 1| everywhere.
    const fill = new Uint8Array(W * H).fill(1);
    fill[1 * W + 2] = 0;
    const { ring, order } = fillRings(fill, W, H);
    for (let p = 0; p < W * H; p++) expect(ring[p]).toBe(Math.abs((p % W) - 2) + Math.abs(Math.floor(p / W) - 1));
    expect(order.length).toBe(W * H - 1);
    const rings = Array.from(order, (p) => ring[p] ?? 0);
    expect(rings).toEqual([...rings].sort((a, b) => a - b));
  });

  it("leaves every pixel unreachable when nothing is kept", () => {
    const { ring, order } = fillRings(new Uint8Array(W * H).fill(1), W, H);
    expect([...new Set(ring)]).toEqual([-1]);
    expect(order.length).toBe(0);
  });
});

/** blendKept over the mask's rings. */
const blendKept = (image: Raster, drawn: Raster, fill: Uint8Array, decay: number) =>
  blendWithRings(image, drawn, fillRings(fill, image.width, image.height), decay);

describe("blendKept", () => {
  const real = grey((x, y) => 100 + 10 * x + y);

  it("carries a constant residual into the hole, fading by decay per ring", () => {
    const drawn = grey((x, y) => 100 + 10 * x + y + 40); // G drew everything 40 too bright
    const out = blendKept(real, drawn, lowerRows(2), 0.5);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        // Kept rows 0-1 are the real bytes; filled row y is ring y - 1, residual -40 * 0.5^(y - 2).
        const want = y < 2 ? (real.pixels[p] ?? 0) : (drawn.pixels[p] ?? 0) - 40 * 0.5 ** (y - 2);
        expect(out.pixels[p], `(${x}, ${y})`).toBe(Math.floor(want + 0.5));
      }
    }
  });

  it("makes the jump across the edge G's own step there", () => {
    // G's image is far from the real one and steps by 30 between rows 2 and 3: after blending,
    // the first filled row differs from the last kept row by exactly that step.
    const drawn = grey((x, y) => (y < 3 ? 60 + 5 * x : 90 + 5 * x));
    const out = blendKept(real, drawn, lowerRows(3), 0.8);
    for (let x = 0; x < W; x++) {
      const jump = (out.pixels[3 * W + x] ?? 0) - (out.pixels[2 * W + x] ?? 0);
      expect(jump).toBe((drawn.pixels[3 * W + x] ?? 0) - (drawn.pixels[2 * W + x] ?? 0));
    }
  });

  it("clamps to 0..255 and returns G's image where nothing is kept", () => {
    const bright = grey(() => 250);
    const dark = grey(() => 10);
    const up = blendKept(bright, dark, lowerRows(1), 1);
    expect(Math.min(...up.pixels)).toBe(250);
    const wayUp = blendKept(
      grey(() => 255),
      grey(() => 200),
      lowerRows(3),
      1,
    );
    expect(Math.max(...wayUp.pixels)).toBe(255);
    const none = blendKept(bright, dark, new Uint8Array(W * H).fill(1), 0.8);
    expect(none.pixels).toEqual(dark.pixels);
  });

  it("blends each channel of an RGB image on its own", () => {
    const rgb = (offset: number[]): Raster => ({
      width: W,
      height: H,
      channels: 3,
      pixels: Uint8Array.from({ length: W * H * 3 }, (_, i) => 100 + (offset[i % 3] ?? 0)),
    });
    const out = blendKept(rgb([0, 0, 0]), rgb([20, -20, 0]), lowerRows(4), 1);
    // decay 1: the residual (-20, +20, 0) reaches every filled pixel whole, giving the real bytes.
    expect([...new Set(out.pixels)]).toEqual([100]);
  });
});
