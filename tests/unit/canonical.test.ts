// The sample naming scheme: keys and canonical URLs written out by hand from the
// documented format (docs/SAMPLE-URLS.md), keys that never collide, strict URL parsing.

import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import {
  canonicalGuidance,
  canonicalSamplePath,
  formatGuidance,
  parseSampleKey,
  parseSampleUrl,
  sampleKey,
  type SampleId,
} from "../../src/samples/canonical.js";

const base: SampleId = { modelId: "fmnist-biflow-s", version: "1.0.0", classIndex: 7, seed: 12345, guidance: 1 };

function parse(pathAndQuery: string) {
  return parseSampleUrl(new URL(pathAndQuery, "http://edge.test"));
}

function parseError(pathAndQuery: string): { type: string; param: string | null } {
  try {
    parse(pathAndQuery);
  } catch (err) {
    if (err instanceof ApiError) return { type: err.type, param: err.param };
    throw err;
  }
  throw new Error(`${pathAndQuery} parsed`);
}

describe("sampleKey", () => {
  it("keeps the keys of G's samples as they were before samplers and variants existed", () => {
    expect(sampleKey(base)).toBe("samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/12345.png");
    expect(sampleKey({ ...base, sampler: { kind: "g" }, variant: null })).toBe(
      "samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/12345.png",
    );
    expect(sampleKey({ ...base, classIndex: null, guidance: 0.25, seed: 0 })).toBe(
      "samples/v1/fmnist-biflow-s/1.0.0/null/g0.25/0.png",
    );
  });

  it("adds the variant to the version segment and the sampler as its own segment", () => {
    expect(sampleKey({ ...base, variant: "int8" })).toBe("samples/v1/fmnist-biflow-s/1.0.0+int8/7/g1.00/12345.png");
    expect(sampleKey({ ...base, sampler: { kind: "exact" } })).toBe(
      "samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/exact/12345.png",
    );
    expect(sampleKey({ ...base, sampler: { kind: "jacobi", iterations: [1, 1, 1, 4], tolerance: 0.001 } })).toBe(
      "samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/jacobi-k1_1_1_4-t0.001/12345.png",
    );
    // A uniform schedule is written as its one count.
    expect(sampleKey({ ...base, sampler: { kind: "jacobi", iterations: [4, 4, 4, 4], tolerance: null } })).toBe(
      "samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/jacobi-k4/12345.png",
    );
  });

  it("gives every identity its own key, and parseSampleKey reads each back", () => {
    const ids: SampleId[] = [];
    for (const modelId of ["m", "m2"])
      for (const version of ["1.0.0", "1.0.1"])
        for (const variant of [null, "int8", "fp16"])
          for (const classIndex of [null, 0, 1])
            for (const guidance of [0, 0.5, 1.25])
              for (const sampler of [
                { kind: "g" as const },
                { kind: "exact" as const },
                { kind: "jacobi" as const, iterations: [4], tolerance: null },
                { kind: "jacobi" as const, iterations: [4], tolerance: 1e-7 },
                { kind: "jacobi" as const, iterations: [1, 4], tolerance: null },
              ])
                for (const seed of [0, 1, 4294967295])
                  ids.push({ modelId, version, variant, classIndex, guidance, sampler, seed });
    const keys = ids.map(sampleKey);
    expect(new Set(keys).size).toBe(ids.length);
    keys.forEach((key, i) => expect(parseSampleKey(key)).toEqual(ids[i]));
    expect(parseSampleKey("samples/v1/m/1.0.0/7/g1.0/1.png")).toBeUndefined();
    expect(parseSampleKey("samples/v1/m/1.0.0/7/g1.00/jacobi-k4_4/1.png")).toBeUndefined(); // not canonical
  });

  it("names the same sample for guidances that round alike", () => {
    expect(sampleKey({ ...base, guidance: 1.004 })).toBe(sampleKey({ ...base, guidance: 1 }));
    expect(sampleKey({ ...base, guidance: 1.006 })).not.toBe(sampleKey({ ...base, guidance: 1 }));
  });

  it("refuses seeds that are not uint32, bad class indexes, versions and variants", () => {
    expect(() => sampleKey({ ...base, seed: -1 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, seed: 2 ** 32 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, seed: 1.5 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, classIndex: -1 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, version: "1.0+x" })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, variant: "Int8" })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, sampler: { kind: "jacobi", iterations: [], tolerance: null } })).toThrow(
      RangeError,
    );
  });
});

describe("canonicalGuidance", () => {
  it("rounds to two decimals and prints two decimals", () => {
    expect(canonicalGuidance(1.234)).toBe(1.23);
    expect(canonicalGuidance(2.5)).toBe(2.5);
    expect(formatGuidance(2.5)).toBe("2.50");
    expect(formatGuidance(0)).toBe("0.00");
    expect(formatGuidance(-0.001)).toBe("0.00");
    expect(formatGuidance(3.999)).toBe("4.00");
  });
});

describe("canonicalSamplePath", () => {
  it("names the version and the guidance, and the sampler and variant only when not the default", () => {
    expect(canonicalSamplePath({ ...base, guidance: 0.5 }, "sneaker")).toBe(
      "/v1/samples/fmnist-biflow-s@1.0.0/sneaker/12345.png?guidance=0.50",
    );
    expect(
      canonicalSamplePath({ ...base, classIndex: null, sampler: { kind: "exact" }, variant: "int8" }, "null"),
    ).toBe("/v1/samples/fmnist-biflow-s@1.0.0/null/12345.png?guidance=1.00&sampler=exact&variant=int8");
    expect(
      canonicalSamplePath({ ...base, sampler: { kind: "jacobi", iterations: [2, 2, 2, 6], tolerance: 0.0005 } }, "bag"),
    ).toBe(
      "/v1/samples/fmnist-biflow-s@1.0.0/bag/12345.png?guidance=1.00&sampler=jacobi&iterations=2,2,2,6&tolerance=0.0005",
    );
  });

  it("is read back by parseSampleUrl as the same fields, with nothing left unsigned", () => {
    const path =
      "/v1/samples/fmnist-biflow-s@1.0.0/bag/12345.png?guidance=1.00&sampler=jacobi&iterations=2,6&tolerance=1e-7&variant=int8";
    expect(parse(path)).toEqual({
      model: "fmnist-biflow-s",
      version: "1.0.0",
      classText: "bag",
      seed: 12345,
      guidance: 1,
      sampler: { kind: "jacobi", iterations: [2, 6], tolerance: 1e-7 },
      variant: "int8",
      signature: {},
      unsigned: path,
    });
  });
});

describe("parseSampleUrl", () => {
  it("reads the forms that are not canonical too: no version, no guidance, class by index", () => {
    expect(parse("/v1/samples/fmnist-biflow-s/7/42.png")).toMatchObject({
      model: "fmnist-biflow-s",
      version: undefined,
      classText: "7",
      seed: 42,
      guidance: undefined,
      sampler: undefined,
      variant: undefined,
    });
    expect(parse("/v1/samples/m/T-Shirt%2FTop/0.png?guidance=0.5").classText).toBe("T-Shirt/Top");
  });

  it("sets the signature parameters apart from the identity", () => {
    const parts = parse("/v1/samples/m@1/bag/1.png?guidance=1.00&exp=1700000000&sig=abc");
    expect(parts.signature).toEqual({ exp: "1700000000", sig: "abc" });
    expect(parts.unsigned).toBe("/v1/samples/m@1/bag/1.png?guidance=1.00");
    expect(parse("/v1/samples/m@1/bag/1.png?sig=abc").unsigned).toBe("/v1/samples/m@1/bag/1.png");
  });

  it.each([
    ["/v1/samples/m/0/1.png?guidance=1&guidance=2", "guidance"],
    ["/v1/samples/m/0/1.png?size=64", "size"],
    ["/v1/samples/m/0/1.png?guidance=abc", "guidance"],
    ["/v1/samples/m/0/abc.png", "seed"],
    ["/v1/samples/m/0/4294967296.png", "seed"],
    ["/v1/samples/m/0/12345678901.png", "seed"],
    ["/v1/samples/m@/0/1.png", "version"],
    ["/v1/samples/m@1.0+x/0/1.png", "version"],
    ["/v1/samples/m/0/1.png?sampler=ddim", "sampler"],
    ["/v1/samples/m/0/1.png?iterations=4", "iterations"],
    ["/v1/samples/m/0/1.png?sampler=exact&tolerance=0.1", "tolerance"],
    ["/v1/samples/m/0/1.png?sampler=jacobi&iterations=0", "iterations"],
    ["/v1/samples/m/0/1.png?sampler=jacobi&iterations=4,", "iterations"],
    ["/v1/samples/m/0/1.png?sampler=jacobi&tolerance=2", "tolerance"],
    ["/v1/samples/m/0/1.png?variant=INT8", "variant"],
    ["/v1/samples/m/0/1.png?guidance=%E0%A4%A", "guidance"],
  ])("refuses %s naming %s", (url, param) => {
    expect(parseError(url)).toEqual({ type: "invalid_request", param });
  });
});
