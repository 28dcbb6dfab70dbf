// Tiles equal-sized rasters into one image, row-major, with 1-pixel black gutters around
// every tile: the layout of interpolation strips, class grids and the model card's grids.

import type { Raster } from "../png/format.js";

export const GUTTER = 1;

/** rows x cols tiles (tile i at row floor(i / cols), column i % cols); missing tiles stay black. */
export function tileRasters(tiles: readonly Raster[], rows: number, cols: number): Raster {
  const first = tiles[0];
  if (first === undefined) throw new RangeError("no tiles");
  const { width: w, height: h, channels } = first;
  const W = cols * (w + GUTTER) + GUTTER;
  const H = rows * (h + GUTTER) + GUTTER;
  const pixels = new Uint8Array(W * H * channels);
  tiles.forEach((tile, i) => {
    if (tile.width !== w || tile.height !== h || tile.channels !== channels) {
      throw new RangeError(`tile ${i} is ${tile.width}x${tile.height}x${tile.channels}, not ${w}x${h}x${channels}`);
    }
    const x0 = GUTTER + (i % cols) * (w + GUTTER);
    const y0 = GUTTER + Math.floor(i / cols) * (h + GUTTER);
    for (let y = 0; y < h; y++) {
      pixels.set(tile.pixels.subarray(y * w * channels, (y + 1) * w * channels), ((y0 + y) * W + x0) * channels);
    }
  });
  return { width: W, height: H, channels, pixels };
}
