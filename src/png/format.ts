// Shared PNG constants and the raster type the encoder takes and the decoder returns
// (PNG specification, 3rd edition: sections 5.2 signature, 11.2.1 IHDR).

export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** 8-bit samples, interleaved per pixel, rows top to bottom: 1 channel = grey, 3 = RGB. */
export interface Raster {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

/** PNG colour types for the channel counts we write. */
export const COLOR_TYPE = { 1: 0, 3: 2 } as const;

export function checkRaster(r: Raster): void {
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 1 || r.height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${r.width}x${r.height}`);
  }
  const expected = r.width * r.height * r.channels;
  if (r.pixels.length !== expected) {
    throw new RangeError(`PNG pixels: expected ${expected} bytes, got ${r.pixels.length}`);
  }
}
