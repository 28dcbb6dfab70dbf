// Standard normal noise z for the reverse model, from a request seed: the one definition
// every runtime shares, so (model, version, class, seed, guidance) is one image everywhere.
//
// Algorithm (docs/MODEL-CONTRACT.md, "Noise"):
//   rng = Pcg32(seed, PCG_STREAM)
//   uniform: u = (x + 1) / 2^32 for x = rng.nextUint32(), so u lies in (0, 1] and log(u)
//            is finite
//   Box-Muller (basic form): for each pair (u1, u2), drawn in that order,
//            r = sqrt(-2 ln u1), t = 2 pi u2, emit r cos t, then r sin t
//   values are computed in float64 and stored as float32, in row-major [C,H,W] order;
//   an odd count drops the last sine value.
// Sample i of a request with seed s uses seed (s + i) mod 2^32 (see sampleSeeds).

import { Pcg32 } from "./pcg32.js";

const TWO_POW_32 = 4294967296;

/** uint32 -> (0, 1]: never 0, so the logarithm in Box-Muller is finite. */
export function uint32ToUnit(x: number): number {
  return ((x >>> 0) + 1) / TWO_POW_32;
}

/** Writes `count` standard normal values for `seed` into out[offset .. offset+count). */
export function fillStandardNormal(out: Float32Array, seed: number, offset = 0, count = out.length - offset): void {
  if (offset < 0 || count < 0 || offset + count > out.length) {
    throw new RangeError(`noise range [${offset}, ${offset + count}) exceeds buffer of ${out.length}`);
  }
  const rng = new Pcg32(seed);
  for (let i = 0; i < count; i += 2) {
    const u1 = uint32ToUnit(rng.nextUint32());
    const u2 = uint32ToUnit(rng.nextUint32());
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    out[offset + i] = r * Math.cos(t);
    if (i + 1 < count) out[offset + i + 1] = r * Math.sin(t);
  }
}

/** A fresh array of `count` standard normal values for `seed`. */
export function standardNormal(seed: number, count: number): Float32Array {
  const out = new Float32Array(count);
  fillStandardNormal(out, seed);
  return out;
}

/** The seeds of samples 0..n-1 of a request with seed s: (s + i) mod 2^32. */
export function sampleSeeds(seed: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (seed + i) % TWO_POW_32);
}
