// The nonces a verifier has accepted within the freshness window: a signed request seen
// twice is a replay and is refused, even while its timestamp is still fresh.

import { MAX_SKEW_SECONDS } from "./signing.js";

/** Seen nonces are kept for the whole window a timestamp can be accepted in: +-60 s. */
const RETAIN_MS = 2 * MAX_SKEW_SECONDS * 1000;

export class ReplayGuard {
  /** Insertion order is arrival order, so expired nonces are always at the front. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 1_000_000) {}

  get size(): number {
    return this.seen.size;
  }

  /**
   * Records the nonce; false when it was already seen (a replay) or when the guard is
   * full of unexpired nonces (refusing is safe; forgetting one would let a replay in).
   */
  admit(nonce: string, nowMs: number): boolean {
    for (const [old, expires] of this.seen) {
      if (expires > nowMs) break;
      this.seen.delete(old);
    }
    if (this.seen.has(nonce) || this.seen.size >= this.maxEntries) return false;
    this.seen.set(nonce, nowMs + RETAIN_MS);
    return true;
  }
}
