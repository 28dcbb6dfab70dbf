// PCG32 (O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good
// Algorithms for Random Number Generation", 2014): the seeded uint32 source behind z.
//
// Exactly pcg32_random_r / pcg32_srandom_r of the reference pcg-c-basic:
//   state: 64-bit LCG, state' = state * 6364136223846793005 + inc  (mod 2^64)
//   output (XSH RR): xorshifted = uint32(((old >> 18) ^ old) >> 27); rot = old >> 59;
//                    out = rotr32(xorshifted, rot)
//   seeding (initstate, initseq): state = 0; inc = (initseq << 1) | 1; step;
//                                 state += initstate; step
// The service seeds with initstate = the request seed (a uint32) and the fixed stream
// initseq = 54 (PCG_STREAM), the reference demo's stream, so the reference program's
// published output for (42, 54) is a golden vector for this code.
//
// 64-bit arithmetic is done on two uint32 halves (no BigInt): V8 runs this ~50x faster,
// and a 64-image batch draws ~50,000 numbers.

export const PCG_STREAM = 54;

const MULT_HI = 0x5851f42d;
const MULT_LO = 0x4c957f2d;

/** Full 32x32 -> 64-bit product as [hi, lo], exact in float64 via 16-bit limbs. */
function mul32(a: number, b: number): [number, number] {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
  return [hi, lo];
}

export class Pcg32 {
  private hi = 0;
  private lo = 0;
  private readonly incHi: number;
  private readonly incLo: number;

  /** pcg32_srandom_r(initState, initSeq); both are taken as unsigned 32-bit integers. */
  constructor(initState: number, initSeq: number = PCG_STREAM) {
    // inc = (initseq << 1) | 1 over 64 bits, with initseq < 2^32.
    const seq = initSeq >>> 0;
    this.incHi = seq >>> 31;
    this.incLo = ((seq << 1) | 1) >>> 0;
    this.step();
    this.add(0, initState >>> 0);
    this.step();
  }

  private add(hi: number, lo: number): void {
    const sumLo = this.lo + lo;
    this.lo = sumLo >>> 0;
    this.hi = (this.hi + hi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
  }

  private step(): void {
    const [hi, lo] = mul32(this.lo, MULT_LO);
    this.hi = (hi + Math.imul(this.hi, MULT_LO) + Math.imul(this.lo, MULT_HI)) >>> 0;
    this.lo = lo;
    this.add(this.incHi, this.incLo);
  }

  /** The next uint32 (pcg32_random_r). */
  nextUint32(): number {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.step();
    // ((old >> 18) ^ old) >> 27, truncated to 32 bits
    const xHi = (oldHi >>> 18) ^ oldHi;
    const xLo = ((oldLo >>> 18) | (oldHi << 14)) ^ oldLo;
    const xorshifted = ((xLo >>> 27) | (xHi << 5)) >>> 0;
    const rot = oldHi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }
}
