// Append-only numbered objects (k = 0, 1, 2, ... with no gaps): the last one is found with
// O(log n) HEADs by galloping then bisecting, since "k exists" holds for a prefix of k.

export type Exists = (k: number) => Promise<boolean>;

/** The largest k with exists(k), or -1; `known` is a k already seen to exist (a lower bound). */
export async function lastInSequence(exists: Exists, known = -1): Promise<number> {
  let lo = known;
  let step = 1;
  let hi = lo + step;
  while (await exists(hi)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  // Invariant: exists(lo) (or lo = -1), !exists(hi).
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (await exists(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
