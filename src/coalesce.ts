// Coalescing of identical in-flight work: while a key is being computed, every other
// request for it awaits the same promise, so N identical requests cost one computation.

export interface Coalesced<T> {
  value: T;
  /** True when this caller joined a computation another caller started. */
  shared: boolean;
}

export class Coalescer<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  /** Number of keys being computed now. */
  get size(): number {
    return this.inflight.size;
  }

  /**
   * Resolves every key. Keys already in flight are joined; the others are computed by ONE
   * call of `compute` with just those keys (in first-seen order), which must return a value
   * for each of them. A rejection of `compute` rejects every key it was asked for.
   */
  async runMany(
    keys: readonly string[],
    compute: (keys: readonly string[]) => Promise<ReadonlyMap<string, T>>,
  ): Promise<Map<string, Coalesced<T>>> {
    const joined = new Map<string, Promise<T>>();
    const mine = new Map<string, { resolve: (v: T) => void; reject: (e: unknown) => void }>();
    const promises = new Map<string, Promise<T>>();
    for (const key of keys) {
      if (promises.has(key)) continue;
      const existing = this.inflight.get(key);
      if (existing !== undefined) {
        joined.set(key, existing);
        promises.set(key, existing);
        continue;
      }
      const promise = new Promise<T>((resolve, reject) => mine.set(key, { resolve, reject }));
      // Followers may all go away; an unobserved rejection must not crash the process.
      promise.catch(() => undefined);
      this.inflight.set(key, promise);
      promises.set(key, promise);
    }
    if (mine.size > 0) await this.lead([...mine.keys()], mine, compute);

    const out = new Map<string, Coalesced<T>>();
    for (const [key, promise] of promises) out.set(key, { value: await promise, shared: joined.has(key) });
    return out;
  }

  /** Single-key form of runMany. */
  async run(key: string, compute: () => Promise<T>): Promise<Coalesced<T>> {
    const result = await this.runMany([key], async () => new Map([[key, await compute()]]));
    const entry = result.get(key);
    if (entry === undefined) throw new Error(`coalescer lost key ${key}`);
    return entry;
  }

  private async lead(
    keys: string[],
    settle: Map<string, { resolve: (v: T) => void; reject: (e: unknown) => void }>,
    compute: (keys: readonly string[]) => Promise<ReadonlyMap<string, T>>,
  ): Promise<void> {
    try {
      const values = await compute(keys);
      for (const key of keys) {
        const value = values.get(key);
        const handle = settle.get(key);
        if (value === undefined) handle?.reject(new Error(`computation returned no value for ${key}`));
        else handle?.resolve(value);
      }
    } catch (err) {
      for (const handle of settle.values()) handle.reject(err);
    } finally {
      for (const key of keys) this.inflight.delete(key);
    }
  }
}
