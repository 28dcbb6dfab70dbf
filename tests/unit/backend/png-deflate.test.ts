// The backend's worker encodes PNGs with zlib's synchronous deflate; they must be the very
// bytes the platform's CompressionStream gives the router, so both paths store one object.

import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { standardNormal } from "../../../src/noise/gaussian.js";
import { encodePng } from "../../../src/png/encode.js";
import { tensorImageToRaster } from "../../../src/png/tensor.js";

describe("PNG encoding with zlib's deflateSync", () => {
  it.each([
    [1, 28, 28],
    [3, 8, 8],
    [1, 64, 64],
  ] as const)("gives the same bytes as CompressionStream for a %ix%ix%i image", async (channels, height, width) => {
    const data = standardNormal(7, channels * height * width).map((v) => Math.tanh(v));
    const raster = tensorImageToRaster(data, 0, { channels, height, width });
    const viaStream = await encodePng(raster);
    const viaZlib = await encodePng(raster, (bytes) => deflateSync(bytes));
    expect(viaZlib).toEqual(viaStream);
  });
});
