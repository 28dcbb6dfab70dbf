// Object key derivation: the documented format, canonical guidance, and that the key
// depends on exactly (model, version, class, seed, guidance).

import { describe, expect, it } from "vitest";
import { canonicalGuidance, formatGuidance, sampleKey, type SampleId } from "../../src/keys.js";

const base: SampleId = { modelId: "fmnist-biflow-s", version: "1.0.0", classIndex: 7, seed: 12345, guidance: 1 };

describe("sampleKey", () => {
  it("follows samples/v1/{model}/{version}/{class}/g{guidance}/{seed}.png", () => {
    expect(sampleKey(base)).toBe("samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/12345.png");
    expect(sampleKey({ ...base, classIndex: null, guidance: 0.25, seed: 0 })).toBe(
      "samples/v1/fmnist-biflow-s/1.0.0/null/g0.25/0.png",
    );
    expect(sampleKey({ ...base, seed: 4294967295 })).toMatch(/\/4294967295\.png$/);
  });

  it("changes with every field", () => {
    const variants: SampleId[] = [
      { ...base, modelId: "other" },
      { ...base, version: "1.0.1" },
      { ...base, classIndex: 0 },
      { ...base, classIndex: null },
      { ...base, seed: 12346 },
      { ...base, guidance: 1.5 },
    ];
    const keys = new Set([sampleKey(base), ...variants.map(sampleKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it("names the same sample for guidances that round alike", () => {
    expect(sampleKey({ ...base, guidance: 1.004 })).toBe(sampleKey({ ...base, guidance: 1 }));
    expect(sampleKey({ ...base, guidance: 1.006 })).not.toBe(sampleKey({ ...base, guidance: 1 }));
  });

  it("refuses seeds that are not uint32 and bad class indexes", () => {
    expect(() => sampleKey({ ...base, seed: -1 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, seed: 2 ** 32 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, seed: 1.5 })).toThrow(RangeError);
    expect(() => sampleKey({ ...base, classIndex: -1 })).toThrow(RangeError);
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
