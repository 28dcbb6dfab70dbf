// Malformed and hostile PNGs built with node:zlib (deflate and CRC-32), independently of the
// service's own PNG code: width 0, short IHDR, truncation, bombs, wrong sizes, bad zlib.

import { crc32, deflateSync } from "node:zlib";

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function ihdr(width: number, height: number, color = 0, depth = 8): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = depth;
  data[9] = color;
  return data;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG from raw chunk payloads, in order (IEND added). */
export function pngOf(chunks: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  return new Uint8Array(
    Buffer.concat([SIGNATURE, ...chunks.map(([t, d]) => chunk(t, d)), chunk("IEND", new Uint8Array(0))]),
  );
}

/** A valid greyscale PNG: rows of filter byte 0 followed by `width` grey samples. */
export function greyPng(width: number, height: number, value = 128): Uint8Array {
  const raw = Buffer.alloc((width + 1) * height, value);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0;
  return pngOf([
    ["IHDR", ihdr(width, height)],
    ["IDAT", deflateSync(raw)],
  ]);
}

/** A PNG that declares `width`x`height` grey but whose IDAT inflates to `inflatedBytes` zeros. */
export function bombPng(width: number, height: number, inflatedBytes: number): Uint8Array {
  return pngOf([
    ["IHDR", ihdr(width, height)],
    ["IDAT", deflateSync(Buffer.alloc(inflatedBytes), { level: 9 })],
  ]);
}

/** Named malformed PNGs for a 28x28 greyscale model; each must be refused with 400. */
export function hostilePngs(): Record<string, Uint8Array> {
  const good = greyPng(28, 28);
  return {
    "width 0": pngOf([
      ["IHDR", ihdr(0, 28)],
      ["IDAT", deflateSync(Buffer.alloc(28))],
    ]),
    "height 0": pngOf([
      ["IHDR", ihdr(28, 0)],
      ["IDAT", deflateSync(Buffer.alloc(0))],
    ]),
    "short IHDR": pngOf([
      ["IHDR", ihdr(28, 28).subarray(0, 5)],
      ["IDAT", deflateSync(Buffer.alloc(29 * 28))],
    ]),
    "no IHDR": pngOf([["IDAT", deflateSync(Buffer.alloc(29 * 28))]]),
    "no IDAT": pngOf([["IHDR", ihdr(28, 28)]]),
    "truncated in IDAT": good.subarray(0, good.length - 20),
    "signature only": good.subarray(0, 8),
    "huge dimensions": pngOf([
      ["IHDR", ihdr(0x7fffffff, 0x7fffffff)],
      ["IDAT", deflateSync(Buffer.alloc(64))],
    ]),
    "bomb (200 MB inflated)": bombPng(28, 28, 200 * 1024 * 1024),
    "short image data": bombPng(28, 28, 100),
    "not zlib": pngOf([
      ["IHDR", ihdr(28, 28)],
      ["IDAT", new Uint8Array(64).fill(0xab)],
    ]),
    "palette colour type": pngOf([
      ["IHDR", ihdr(28, 28, 3)],
      ["IDAT", deflateSync(Buffer.alloc(29 * 28))],
    ]),
    "16-bit depth": pngOf([
      ["IHDR", ihdr(28, 28, 0, 16)],
      ["IDAT", deflateSync(Buffer.alloc(57 * 28))],
    ]),
    "bad filter byte": pngOf([
      ["IHDR", ihdr(28, 28)],
      ["IDAT", deflateSync(Buffer.alloc(29 * 28, 9))],
    ]),
  };
}
