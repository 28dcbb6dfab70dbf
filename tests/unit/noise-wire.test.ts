// Contract 3's noise encoding against bytes written out by hand: float32 1.0 is 00 00 80 3f
// little-endian, -2.0 is 00 00 00 c0, so [1, -2] is base64 of those eight bytes.

import { describe, expect, it } from "vitest";
import { noiseFromWire, noiseToWire, wireNoiseLength } from "../../src/contract/noise-wire.js";

describe("noise on the wire", () => {
  it("is base64 of little-endian float32", () => {
    expect(noiseToWire(Float32Array.from([1, -2]))).toBe(btoa("\x00\x00\x80\x3f\x00\x00\x00\xc0"));
    expect(noiseFromWire(btoa("\x00\x00\x80\x3f\x00\x00\x00\xc0"), 2)).toEqual(Float32Array.from([1, -2]));
  });

  it("refuses another length, non-finite values and what is not base64", () => {
    const two = noiseToWire(Float32Array.from([1, 2]));
    expect(noiseFromWire(two, 3)).toBeUndefined();
    expect(noiseFromWire(noiseToWire(Float32Array.from([1, Number.POSITIVE_INFINITY])), 2)).toBeUndefined();
    expect(noiseFromWire(noiseToWire(Float32Array.from([Number.NaN])), 1)).toBeUndefined();
    expect(noiseFromWire("not base64!", 1)).toBeUndefined();
  });

  it("says how long the base64 of n values is", () => {
    expect(wireNoiseLength(2)).toBe(noiseToWire(new Float32Array(2)).length);
    expect(wireNoiseLength(784 * 64)).toBe(noiseToWire(new Float32Array(784 * 64)).length);
  });
});
