// PNG decoder for 8-bit non-interlaced greyscale and RGB images, all five filter types:
// round-trip tests today, and the input side of /v1/encode (PNG in, bits/dim out).

import { concatBytes, transformBytes } from "../bytes.js";
import { crc32 } from "./crc32.js";
import { PNG_SIGNATURE, checkRaster, type Raster } from "./format.js";

export class PngError extends Error {
  override readonly name = "PngError";
}

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

export async function decodePng(bytes: Uint8Array): Promise<Raster> {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new PngError("not a PNG file (bad signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels: 1 | 3 | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (offset + 12 > bytes.length) throw new PngError("truncated chunk");
    const length = view.getUint32(offset);
    if (offset + 12 + length > bytes.length) throw new PngError("truncated chunk data");
    const type = latin1.decode(bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8), data) !== view.getUint32(offset + 8 + length)) {
      throw new PngError(`CRC mismatch in ${type} chunk`);
    }
    if (type === "IHDR") {
      const h = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      const [depth, color, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8) throw new PngError(`bit depth ${String(depth)} is not supported (8 only)`);
      if (color === 0) channels = 1;
      else if (color === 2) channels = 3;
      else throw new PngError(`colour type ${String(color)} is not supported (grey or RGB)`);
      if (interlace !== 0) throw new PngError("interlaced PNGs are not supported");
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      ended = true;
    }
    offset += 12 + length;
  }
  if (channels === undefined) throw new PngError("missing IHDR chunk");
  if (idat.length === 0) throw new PngError("missing IDAT chunk");
  let inflated: Uint8Array;
  try {
    inflated = await transformBytes(concatBytes(idat), new DecompressionStream("deflate"));
  } catch (err) {
    throw new PngError("image data does not inflate", { cause: err });
  }
  const raster: Raster = { width, height, channels, pixels: unfilter(inflated, width, height, channels) };
  checkRaster(raster);
  return raster;
}
