// PNG encoder for 8-bit greyscale and RGB rasters: IHDR, optional tEXt, one zlib IDAT made
// by the platform's CompressionStream("deflate") (RFC 1950 framing, as PNG requires), IEND.

import { concatBytes, transformBytes } from "../bytes.js";
import { crc32 } from "./crc32.js";
import { COLOR_TYPE, PNG_SIGNATURE, checkRaster, type Raster } from "./format.js";

const ascii = new TextEncoder();

function chunk(type: string, data: Uint8Array): Uint8Array {
  const typeBytes = ascii.encode(type);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(typeBytes, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(typeBytes, data));
  return out;
}

function header(r: Raster): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, r.width);
  view.setUint32(4, r.height);
  data[8] = 8; // bit depth
  data[9] = COLOR_TYPE[r.channels];
  // compression 0 (deflate), filter method 0, interlace 0: already zero
  return data;
}

/**
 * Scanlines with filter type 0 (None). For 28x28 greyscale images the adaptive filters
 * save a few bytes at most; None keeps encoding trivially deterministic.
 */
function scanlines(r: Raster): Uint8Array {
  const stride = r.width * r.channels;
  const out = new Uint8Array((stride + 1) * r.height);
  for (let y = 0; y < r.height; y++) {
    out.set(r.pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return out;
}

/** zlib-framed deflate (RFC 1950), as the IDAT chunk holds it. */
export type Deflate = (bytes: Uint8Array) => Promise<Uint8Array> | Uint8Array;

const streamDeflate: Deflate = (bytes) => transformBytes(bytes, new CompressionStream("deflate"));

/**
 * `deflate` defaults to the platform's CompressionStream; a Node worker thread passes
 * zlib's synchronous deflate instead (same zlib defaults, same bytes) to skip the thread
 * pool round trip per image.
 */
export async function encodePng(
  r: Raster,
  deflate: Deflate = streamDeflate,
  text: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  checkRaster(r);
  const idat = await deflate(scanlines(r));
  // tEXt (PNG section 11.3.4.3): keyword, a zero byte, Latin-1 text; ours are ASCII.
  const texts = Object.entries(text).map(([k, v]) => chunk("tEXt", ascii.encode(`${k}\0${v}`)));
  return concatBytes([
    PNG_SIGNATURE,
    chunk("IHDR", header(r)),
    ...texts,
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
