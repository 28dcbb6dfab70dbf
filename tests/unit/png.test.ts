// PNG encoding and decoding: round trips for grey and RGB, all five scanline filters,
// CRC-32 check values, corrupt input rejected, and model tensors mapped to bytes.

import { describe, expect, it } from "vitest";
import { concatBytes, transformBytes } from "../../src/bytes.js";
import { crc32 } from "../../src/png/crc32.js";
import { PngError, decodePng } from "../../src/png/decode.js";
import { encodePng } from "../../src/png/encode.js";
import { PNG_SIGNATURE, type Raster } from "../../src/png/format.js";
import { tensorImageToRaster, toByte } from "../../src/png/tensor.js";

function raster(width: number, height: number, channels: 1 | 3, fill: (i: number) => number): Raster {
  return { width, height, channels, pixels: Uint8Array.from({ length: width * height * channels }, (_, i) => fill(i)) };
}

describe("crc32", () => {
  it("gives the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
  it("treats parts as one concatenated input", () => {
    const all = new TextEncoder().encode("IHDRabc");
    expect(crc32(all.subarray(0, 4), all.subarray(4))).toBe(crc32(all));
  });
});

describe("encodePng / decodePng", () => {
  it.each([
    ["grey 28x28", raster(28, 28, 1, (i) => (i * 37) % 256)],
    ["RGB 8x5", raster(8, 5, 3, (i) => (i * 11 + 3) % 256)],
    ["grey 1x1", raster(1, 1, 1, () => 200)],
  ])("round-trips %s exactly", async (_, image) => {
    const png = await encodePng(image);
    expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
    const back = await decodePng(png);
    expect(back).toEqual(image);
  });

  it("writes IHDR with the size, bit depth 8 and the colour type", async () => {
    const png = await encodePng(raster(3, 2, 3, () => 0));
    const view = new DataView(png.buffer, png.byteOffset);
    expect(new TextDecoder().decode(png.subarray(12, 16))).toBe("IHDR");
    expect([view.getUint32(16), view.getUint32(20), png[24], png[25]]).toEqual([3, 2, 8, 2]);
  });

  it("is deterministic", async () => {
    const image = raster(28, 28, 1, (i) => i % 256);
    expect(await encodePng(image)).toEqual(await encodePng(image));
  });

  it("rejects rasters whose pixel count does not match their size", async () => {
    await expect(encodePng({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(3) })).rejects.toThrow(
      RangeError,
    );
  });

  it("decodes every scanline filter type (Sub, Up, Average, Paeth)", async () => {
    // Hand-filter a known 3x5 RGB image, one filter type per row, as other encoders do.
    const image = raster(3, 5, 3, (i) => (i * 29 + 7) % 256);
    const stride = 9;
    const px = (y: number, x: number) => (y < 0 || x < 0 ? 0 : (image.pixels[y * stride + x] ?? 0));
    const paeth = (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows: Uint8Array[] = [];
    for (let y = 0; y < 5; y++) {
      const filter = y; // 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth
      const line = new Uint8Array(stride + 1);
      line[0] = filter;
      for (let x = 0; x < stride; x++) {
        const a = px(y, x - 3);
        const b = px(y - 1, x);
        const c = px(y - 1, x - 3);
        const predictor = [0, a, b, (a + b) >>> 1, paeth(a, b, c)][filter] ?? 0;
        line[x + 1] = (px(y, x) - predictor) & 0xff;
      }
      rows.push(line);
    }
    const idat = await transformBytes(concatBytes(rows), new CompressionStream("deflate"));
    const encoded = await encodePng(image);
    // Swap our IDAT for the hand-filtered one, keeping IHDR and recomputing the CRC.
    const ihdrEnd = 8 + 25;
    const chunk = (type: string, data: Uint8Array) => {
      const out = new Uint8Array(12 + data.length);
      const view = new DataView(out.buffer);
      view.setUint32(0, data.length);
      out.set(new TextEncoder().encode(type), 4);
      out.set(data, 8);
      view.setUint32(8 + data.length, crc32(out.subarray(4, 8), data));
      return out;
    };
    const png = concatBytes([encoded.subarray(0, ihdrEnd), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))]);
    expect(await decodePng(png)).toEqual(image);
  });

  it("rejects a bad signature, a bad CRC and truncation", async () => {
    const png = await encodePng(raster(4, 4, 1, (i) => i));
    await expect(decodePng(png.subarray(1))).rejects.toThrow(PngError);
    const corrupt = png.slice();
    corrupt[20] = (corrupt[20] ?? 0) ^ 0xff;
    await expect(decodePng(corrupt)).rejects.toThrow(/CRC mismatch in IHDR/);
    await expect(decodePng(png.subarray(0, png.length - 6))).rejects.toThrow(/truncated/);
  });
});

describe("tensor to pixels", () => {
  it("maps [-1, 1] to round((v + 1) * 127.5), clamped, NaN to 0", () => {
    expect([-1, 0, 1, -2, 2, 0.999, NaN].map(toByte)).toEqual([0, 128, 255, 0, 255, 255, 0]);
    expect(toByte(-0.996)).toBe(1); // (1 - 0.996) * 127.5 = 0.51 -> 1
  });

  it("turns image i of a [N,C,H,W] tensor into interleaved channels", () => {
    // Two 2x1 RGB images; planes R, G, B for each.
    const data = Float32Array.from([-1, -1, 0, 0, 1, 1, /* image 1 */ 1, -1, -1, 1, 0, 0]);
    const r = tensorImageToRaster(data, 1, { channels: 3, height: 1, width: 2 });
    expect(Array.from(r.pixels)).toEqual([255, 0, 128, 0, 255, 128]);
    expect(() => tensorImageToRaster(data, 2, { channels: 3, height: 1, width: 2 })).toThrow(RangeError);
  });
});
