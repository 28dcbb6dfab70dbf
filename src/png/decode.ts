// PNG decoder for 8-bit non-interlaced greyscale and RGB images, all five filter types:
// round-trip tests today, and the input side of /v1/encode (PNG in, bits/dim out).

import { concatBytes } from "../bytes.js";
import { crc32 } from "./crc32.js";
import { PNG_SIGNATURE, type Raster } from "./format.js";
import { InflateLimitError, inflateBounded } from "./inflate.js";

export class PngError extends Error {
  override readonly name = "PngError";
}

/** What an IHDR chunk declares (section 11.2.1), read before anything is inflated. */
export interface PngHeader {
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface DecodeLimits {
  /** Most pixels (width x height) accepted; the inflated size follows from it. */
  maxPixels?: number;
}

/** 4096 x 4096: a generous default; callers that know the shape they want pass less. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;

const latin1 = new TextDecoder("latin1");

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Reverses the per-scanline filters (PNG specification section 7.3 and chapter 9). */
function unfilter(data: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  if (data.length !== (stride + 1) * height) {
    throw new PngError(`image data is ${data.length} bytes, expected ${(stride + 1) * height}`);
  }
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (stride + 1)];
    const line = data.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const raw = line[x] ?? 0;
      const a = x >= bpp ? (out[row + x - bpp] ?? 0) : 0;
      const b = y > 0 ? (out[row - stride + x] ?? 0) : 0;
      const c = x >= bpp && y > 0 ? (out[row - stride + x - bpp] ?? 0) : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >>> 1;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw new PngError(`unknown filter type ${String(filter)} on row ${y}`);
      }
      out[row + x] = (raw + predictor) & 0xff;
    }
  }
  return out;
}

function parseHeader(data: Uint8Array, maxPixels: number): PngHeader {
  if (data.length !== 13) throw new PngError(`IHDR chunk is ${data.length} bytes, expected 13`);
  const h = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  // Zero is forbidden by the specification; the product bounds the inflated size below.
  if (width < 1 || height < 1) throw new PngError(`image size ${width}x${height} is empty`);
  if (width * height > maxPixels) {
    throw new PngError(`image size ${width}x${height} is over ${maxPixels} pixels`);
  }
  const [depth, color, compression, filter, interlace] = [data[8], data[9], data[10], data[11], data[12]];
  if (depth !== 8) throw new PngError(`bit depth ${String(depth)} is not supported (8 only)`);
  if (compression !== 0 || filter !== 0) throw new PngError("unknown compression or filter method");
  if (interlace !== 0) throw new PngError("interlaced PNGs are not supported");
  if (color === 0) return { width, height, channels: 1 };
  if (color === 2) return { width, height, channels: 3 };
  throw new PngError(`colour type ${String(color)} is not supported (grey or RGB)`);
}

interface Chunks {
  header: PngHeader;
  idat: Uint8Array[];
}

/** Walks the chunks, checking lengths and CRCs; IHDR must come first (section 5.6). */
function readChunks(bytes: Uint8Array, maxPixels: number): Chunks {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new PngError("not a PNG file (bad signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: PngHeader | undefined;
  const idat: Uint8Array[] = [];
  for (;;) {
    if (offset + 12 > bytes.length) throw new PngError("truncated chunk");
    const length = view.getUint32(offset);
    if (offset + 12 + length > bytes.length) throw new PngError("truncated chunk data");
    const type = latin1.decode(bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8), data) !== view.getUint32(offset + 8 + length)) {
      throw new PngError(`CRC mismatch in ${type} chunk`);
    }
    offset += 12 + length;
    if (header === undefined) {
      if (type !== "IHDR") throw new PngError("the first chunk is not IHDR");
      header = parseHeader(data, maxPixels);
    } else if (type === "IHDR") {
      throw new PngError("more than one IHDR chunk");
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      return { header, idat };
    }
  }
}

/** The IHDR of a PNG, with its chunks checked: what a caller compares before decoding. */
export function readPngHeader(bytes: Uint8Array, limits: DecodeLimits = {}): PngHeader {
  return readChunks(bytes, limits.maxPixels ?? DEFAULT_MAX_PIXELS).header;
}

/**
 * Decodes an 8-bit greyscale or RGB PNG. Every malformed input throws PngError: the
 * dimensions are checked before inflating, and inflating stops at the exact size the
 * dimensions imply, so a decompression bomb costs no more memory than a real image.
 */
export async function decodePng(bytes: Uint8Array, limits: DecodeLimits = {}): Promise<Raster> {
  const { header, idat } = readChunks(bytes, limits.maxPixels ?? DEFAULT_MAX_PIXELS);
  const { width, height, channels } = header;
  if (idat.length === 0) throw new PngError("missing IDAT chunk");
  let inflated: Uint8Array;
  try {
    inflated = await inflateBounded(concatBytes(idat), (width * channels + 1) * height);
  } catch (err) {
    const message = err instanceof InflateLimitError ? err.message : "image data does not inflate";
    throw new PngError(message, { cause: err });
  }
  return { width, height, channels, pixels: unfilter(inflated, width, height, channels) };
}
