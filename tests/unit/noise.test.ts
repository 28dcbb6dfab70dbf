// The seeded noise generator: PCG32 against the reference program's published output and
// an independent BigInt implementation; Box-Muller normals against vectors computed once
// by an independent Python implementation (float64 math, rounded to float32).

import { describe, expect, it } from "vitest";
import { fillStandardNormal, sampleSeeds, standardNormal, uint32ToUnit } from "../../src/noise/gaussian.js";
import { PCG_STREAM, Pcg32 } from "../../src/noise/pcg32.js";

/** pcg32_srandom_r / pcg32_random_r written directly on 64-bit BigInts. */
function* referencePcg32(initState: bigint, initSeq: bigint): Generator<number> {
  const mask = (1n << 64n) - 1n;
  const inc = ((initSeq << 1n) | 1n) & mask;
  const step = (s: bigint) => (s * 6364136223846793005n + inc) & mask;
  let state = step(0n);
  state = step((state + initState) & mask);
  for (;;) {
    const old = state;
    state = step(state);
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    yield ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }
}

function draw(rng: Pcg32, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe("Pcg32", () => {
  it("reproduces the pcg-c-basic demo output for initstate 42, initseq 54", () => {
    expect(draw(new Pcg32(42, 54), 6)).toEqual([
      0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e,
    ]);
  });

  it("uses stream 54 by default", () => {
    expect(PCG_STREAM).toBe(54);
    expect(draw(new Pcg32(42), 3)).toEqual(draw(new Pcg32(42, 54), 3));
  });

  it.each([0, 1, 42, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff])(
    "matches a BigInt implementation for seed %i over 2000 draws",
    (seed) => {
      const reference = referencePcg32(BigInt(seed), 54n);
      const expected = Array.from({ length: 2000 }, () => reference.next().value as number);
      expect(draw(new Pcg32(seed), 2000)).toEqual(expected);
    },
  );

  it("matches the BigInt implementation on other streams (carry paths of the 64-bit add)", () => {
    for (const seq of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) {
      const reference = referencePcg32(12345n, BigInt(seq));
      const expected = Array.from({ length: 200 }, () => reference.next().value as number);
      expect(draw(new Pcg32(12345, seq), 200)).toEqual(expected);
    }
  });

  it("gives different streams for neighbouring seeds", () => {
    expect(draw(new Pcg32(7), 4)).not.toEqual(draw(new Pcg32(8), 4));
  });
});

describe("uint32ToUnit", () => {
  it("maps onto (0, 1]", () => {
    expect(uint32ToUnit(0)).toBe(2 ** -32);
    expect(uint32ToUnit(0xffffffff)).toBe(1);
    expect(uint32ToUnit(0x7fffffff)).toBe(0.5);
  });
});

// Computed once with an independent Python implementation (big-int PCG32, math.log/cos/sin,
// struct-packed to float32): seed -> first six values and values 781..783 of 784 (= 1x28x28).
const GOLDEN: Record<number, { head: number[]; tail: number[] }> = {
  0: {
    head: [
      -0.25103527307510376, -1.5750185251235962, 1.1098575592041016, -0.4450676143169403, -0.04722566157579422,
      -0.9892716407775879,
    ],
    tail: [-1.3018012046813965, 0.4043532609939575, 0.6142492890357971],
  },
  1: {
    head: [
      0.9546182155609131, 0.29458335041999817, -0.653934121131897, -0.034892499446868896, 0.8167309761047363,
      0.6523662209510803,
    ],
    tail: [0.08996520936489105, 2.330557107925415, 0.24004490673542023],
  },
  42: {
    head: [
      -0.9543370008468628, 0.11102823168039322, -0.7950063347816467, -0.07483552396297455, 0.21960054337978363,
      -0.7286065816879272,
    ],
    tail: [-0.46672558784484863, 0.7157312631607056, 1.2927939891815186],
  },
  4294967295: {
    head: [
      -0.07703030854463577, 2.170370101928711, 1.0347760915756226, -0.8659462332725525, 0.533855676651001,
      0.06186491996049881,
    ],
    tail: [-0.5333897471427917, -1.8424144983291626, 1.223612666130066],
  },
};

describe("standardNormal (PCG32 + Box-Muller)", () => {
  it.each(Object.entries(GOLDEN))("matches the golden vector for seed %s", (seed, golden) => {
    const z = standardNormal(Number(seed), 784);
    // float32 results of float64 libm math: engines may differ in the last float64 ulp,
    // which can flip the float32 rounding by one ulp (~1.2e-7 relative) at most.
    Array.from(z.subarray(0, 6)).forEach((v, i) => expect(v).toBeCloseTo(golden.head[i] ?? NaN, 6));
    Array.from(z.subarray(781, 784)).forEach((v, i) => expect(v).toBeCloseTo(golden.tail[i] ?? NaN, 6));
  });

  it("is the pairwise Box-Muller transform of the PCG32 stream", () => {
    const [x1, x2] = draw(new Pcg32(99), 2);
    const r = Math.sqrt(-2 * Math.log(uint32ToUnit(x1 ?? 0)));
    const t = 2 * Math.PI * uint32ToUnit(x2 ?? 0);
    const z = standardNormal(99, 2);
    expect(z[0]).toBe(Math.fround(r * Math.cos(t)));
    expect(z[1]).toBe(Math.fround(r * Math.sin(t)));
  });

  it("drops the last sine for odd counts, so a prefix is stable", () => {
    const odd = standardNormal(5, 7);
    const even = standardNormal(5, 8);
    expect(Array.from(odd)).toEqual(Array.from(even.subarray(0, 7)));
  });

  it("writes into a slice of a batch buffer without touching the rest", () => {
    const out = new Float32Array(10).fill(9);
    fillStandardNormal(out, 3, 2, 5);
    expect(Array.from(out.subarray(2, 7))).toEqual(Array.from(standardNormal(3, 5)));
    expect([out[0], out[1], out[7], out[8], out[9]]).toEqual([9, 9, 9, 9, 9]);
    expect(() => fillStandardNormal(out, 3, 8, 5)).toThrow(RangeError);
  });

  it("has zero mean and unit variance (100k draws)", () => {
    const z = standardNormal(2024, 100_000);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(z.every(Number.isFinite)).toBe(true);
  });
});

describe("sampleSeeds", () => {
  it("gives sample i the seed (s + i) mod 2^32", () => {
    expect(sampleSeeds(10, 3)).toEqual([10, 11, 12]);
    expect(sampleSeeds(4294967294, 4)).toEqual([4294967294, 4294967295, 0, 1]);
  });
});
