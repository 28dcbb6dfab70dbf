// The Edit tab's inpainting mask (web/inpaint-mask.ts): the presets fill the regions the API's
// own tests use (the lower half, the centre square 7..20 of 28), brushes write only 0 and 255,
// and a stroke leaves no gap between the pointer events it joins.

import { describe, expect, it } from "vitest";
import { InpaintMask } from "../../web/inpaint-mask.js";

const filledWhere = (mask: InpaintMask) =>
  Array.from(mask.pixels, (v, p) => (v === 255 ? [p % mask.width, Math.floor(p / mask.width)] : null)).filter(
    (xy) => xy !== null,
  );

describe("InpaintMask", () => {
  it("fills the lower half, and the centre square, and nothing else", () => {
    const mask = new InpaintMask(28, 28);
    mask.lowerHalf();
    expect(Array.from(mask.pixels)).toEqual(Array.from({ length: 784 }, (_, p) => (p >= 392 ? 255 : 0)));
    mask.centre();
    const inCentre = (x: number, y: number) => x >= 7 && x < 21 && y >= 7 && y < 21;
    expect(Array.from(mask.pixels)).toEqual(
      Array.from({ length: 784 }, (_, p) => (inCentre(p % 28, Math.floor(p / 28)) ? 255 : 0)),
    );
    mask.clear();
    expect(mask.filledCount()).toBe(0);
  });

  it("paints a round dab of 0 and 255 only, clipped at the edges", () => {
    const mask = new InpaintMask(28, 28);
    mask.dab(14, 14, 2);
    // Pixel centres within 2 of the corner (14, 14): the 4x4 block 12..15 less its corners.
    expect(mask.filledCount()).toBe(12);
    mask.clear();
    mask.dab(0, 0, 2);
    expect(new Set(mask.pixels)).toEqual(new Set([0, 255]));
    expect(filledWhere(mask)).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
  });

  it("joins distant pointer positions into an unbroken stroke", () => {
    const mask = new InpaintMask(28, 28);
    mask.stroke({ x: 2, y: 10.5 }, { x: 26, y: 10.5 }, 2);
    for (let x = 2; x < 26; x++) expect(mask.pixels[10 * 28 + x], `(${x}, 10)`).toBe(255);
    expect(filledWhere(mask).every(([, y]) => y !== undefined && y >= 8 && y <= 12)).toBe(true);
  });

  it("hands out a copy: later painting does not change a mask already sent", () => {
    const mask = new InpaintMask(28, 28);
    const sent = mask.toRaster();
    mask.lowerHalf();
    expect(sent).toMatchObject({ width: 28, height: 28, channels: 1 });
    expect(sent.pixels.every((v) => v === 0)).toBe(true);
  });
});
