// The job's image plan against closed forms: counts spread over classes (the first
// count mod K get one more), seeds (seed + i) mod 2^32 or from..to per class, chunks that
// never cross a class, and every image exactly once.

import { describe, expect, it } from "vitest";
import { chunkAt, chunkCount, classCounts, jobImages, totalImages } from "../../../src/jobs/model.js";
import { lastInSequence } from "../../../src/jobs/sequence.js";

describe("job image plan", () => {
  it("spreads count evenly, the first count mod K classes getting one more", () => {
    const spec = { classes: [3, 1, null], seeds: { kind: "count" as const, count: 11, seed: 5 }, chunkSize: 2 };
    expect(classCounts(spec)).toEqual([4, 4, 3]);
    expect(totalImages(spec)).toBe(11);
    // ceil(4/2) + ceil(4/2) + ceil(3/2)
    expect(chunkCount(spec)).toBe(6);
    const images = [...jobImages(spec)];
    expect(images.map((i) => i.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(images.map((i) => i.seed)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(images.map((i) => i.classIndex)).toEqual([3, 3, 3, 3, 1, 1, 1, 1, null, null, null]);
    expect(chunkAt(spec, 5)).toEqual({ chunk: 5, classIndex: null, firstIndex: 10, seeds: [15] });
    expect(chunkAt(spec, 6)).toBeUndefined();
  });

  it("wraps seeds at 2^32", () => {
    const spec = { classes: [0], seeds: { kind: "count" as const, count: 3, seed: 4294967294 }, chunkSize: 64 };
    expect([...jobImages(spec)].map((i) => i.seed)).toEqual([4294967294, 4294967295, 0]);
  });

  it("gives every class each seed of seeds: {from, to}", () => {
    const spec = { classes: [0, 9], seeds: { kind: "seeds" as const, from: 100, to: 104 }, chunkSize: 3 };
    expect(totalImages(spec)).toBe(10);
    expect(chunkCount(spec)).toBe(4);
    expect(chunkAt(spec, 1)).toEqual({ chunk: 1, classIndex: 0, firstIndex: 3, seeds: [103, 104] });
    expect(chunkAt(spec, 2)).toEqual({ chunk: 2, classIndex: 9, firstIndex: 5, seeds: [100, 101, 102] });
  });
});

describe("lastInSequence", () => {
  it("finds the last of a gap-free sequence with O(log n) probes, from a lower bound too", async () => {
    for (const n of [0, 1, 2, 3, 7, 8, 1000]) {
      const probes: number[] = [];
      const exists = (k: number) => {
        probes.push(k);
        return Promise.resolve(k >= 0 && k < n);
      };
      expect(await lastInSequence(exists)).toBe(n - 1);
      expect(probes.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n + 2)) + 2);
      if (n > 5) expect(await lastInSequence(exists, 5)).toBe(n - 1);
    }
  });
});
