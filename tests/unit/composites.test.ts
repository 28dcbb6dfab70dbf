// The composite URL/key scheme (strip and grid) and the spherical interpolation, against
// closed forms: orthogonal unit vectors meet at 45 degrees on the unit circle.

import { describe, expect, it } from "vitest";
import { slerpFrames } from "../../src/images/slerp.js";
import { parseSampleUrl, sampleKey } from "../../src/samples/canonical.js";
import {
  canonicalGridPath,
  canonicalInterpolationPath,
  gridKey,
  interpolationKey,
  parseGridUrl,
  parseInterpolationUrl,
} from "../../src/samples/composites.js";
import { ApiError } from "../../src/errors.js";

describe("slerpFrames", () => {
  it("follows the great circle between orthogonal unit vectors, ends exact", () => {
    const a = Float32Array.from([1, 0]);
    const b = Float32Array.from([0, 1]);
    const out = slerpFrames(a, b, 3);
    expect(Array.from(out.subarray(0, 2))).toEqual([1, 0]);
    expect(out[2]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(out[3]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Array.from(out.subarray(4, 6)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 1]);
  });

  it("falls back to a straight line for parallel vectors", () => {
    const out = slerpFrames(Float32Array.from([1, 1]), Float32Array.from([2, 2]), 3);
    expect(Array.from(out.subarray(2, 4))).toEqual([1.5, 1.5]);
  });
});

describe("composite URLs and keys", () => {
  const strip = { modelId: "m", version: "1.0.0", classIndex: 3, seedA: 1, seedB: 2, guidance: 0.5, frames: 8 };
  it("writes and parses the canonical interpolation URL", () => {
    const path = canonicalInterpolationPath(strip, "dress");
    expect(path).toBe("/v1/interpolations/m@1.0.0/dress/1-2.png?guidance=0.50&frames=8");
    const [pathname = "", search = ""] = path.split("?");
    expect(parseInterpolationUrl({ pathname, search: `?${search}` })).toMatchObject({
      model: "m",
      version: "1.0.0",
      classText: "dress",
      seedA: 1,
      seedB: 2,
      guidance: 0.5,
      frames: 8,
      unsigned: path,
    });
    expect(interpolationKey(strip)).toBe("interpolations/v1/m/1.0.0/3/g0.50/k8/1-2.png");
  });

  it("writes and parses the canonical grid URL", () => {
    const id = { modelId: "m", version: "1.0.0", seed: 42, guidance: 1 };
    expect(canonicalGridPath(id)).toBe("/v1/grids/m@1.0.0/42.png?guidance=1.00");
    expect(parseGridUrl({ pathname: "/v1/grids/m/42.png", search: "" })).toMatchObject({
      model: "m",
      version: undefined,
      seed: 42,
    });
    expect(gridKey(id)).toBe("grids/v1/m/1.0.0/g1.00/42.png");
  });

  it("never shares a key with a sample, or between kinds", () => {
    const keys = [
      interpolationKey(strip),
      gridKey({ modelId: "m", version: "1.0.0", seed: 1, guidance: 0.5 }),
      sampleKey({ modelId: "m", version: "1.0.0", classIndex: 3, seed: 1, guidance: 0.5 }),
    ];
    expect(keys.map((k) => k.split("/")[0])).toEqual(["interpolations", "grids", "samples"]);
  });

  it("refuses unknown or repeated parameters and bad frames", () => {
    const parse = (search: string) => () =>
      parseInterpolationUrl({ pathname: "/v1/interpolations/m/null/1-2.png", search });
    expect(parse("?frames=1")).toThrow(ApiError);
    expect(parse("?frames=17")).toThrow(/frames/);
    expect(parse("?variant=x")).toThrow(/unknown query parameter/);
    expect(parse("?guidance=1&guidance=2")).toThrow(/more than once/);
    expect(() => parseGridUrl({ pathname: "/v1/grids/m/x.png", search: "" })).toThrow(ApiError);
  });

  // One strict parser for sample and composite URLs (src/samples/strict-query.ts): the
  // composite parsers now say what was sent for a seed and guidance, as sample URLs did.
  it("refuses a bad seed or guidance with the sample URL's messages, showing what was sent", () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (err) {
        return err instanceof ApiError ? { param: err.param, message: err.message } : err;
      }
      return undefined;
    };
    const big = "4294967296";
    const seedMessage = `seed must be an integer from 0 to 4294967295 (uint32); got "${big}"`;
    const guidanceMessage = `guidance must be a finite number within the model's guidance range; got "1e3"`;
    expect(refusal(() => parseGridUrl({ pathname: `/v1/grids/m/${big}.png`, search: "" }))).toEqual({
      param: "seed",
      message: seedMessage,
    });
    expect(
      refusal(() => parseInterpolationUrl({ pathname: `/v1/interpolations/m/null/1-${big}.png`, search: "" })),
    ).toEqual({ param: "seed", message: seedMessage });
    expect(refusal(() => parseSampleUrl({ pathname: `/v1/samples/m/null/${big}.png`, search: "" }))).toEqual({
      param: "seed",
      message: seedMessage,
    });
    for (const run of [
      () => parseGridUrl({ pathname: "/v1/grids/m/1.png", search: "?guidance=1e3" }),
      () => parseInterpolationUrl({ pathname: "/v1/interpolations/m/null/1-2.png", search: "?guidance=1e3" }),
      () => parseSampleUrl({ pathname: "/v1/samples/m/null/1.png", search: "?guidance=1e3" }),
    ]) {
      expect(refusal(run)).toEqual({ param: "guidance", message: guidanceMessage });
    }
  });
});
