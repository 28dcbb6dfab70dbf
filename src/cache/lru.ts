// A least-recently-used sample cache bounded by bytes (not entries: a 28x28 PNG and a
// 256x256 one differ 80x in size), for one Node process.

import type { CachedSample, SampleCache } from "./sample-cache.js";

/** Bytes an entry is charged: the PNG plus key and bookkeeping overhead. */
function cost(key: string, sample: CachedSample): number {
  return sample.bytes.length + key.length * 2 + sample.etag.length * 2 + 64;
}

export class LruSampleCache implements SampleCache {
  readonly name = "memory-lru";
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, { sample: CachedSample; cost: number }>();
  private used = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
  }

  get bytesUsed(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether the key is held, without touching its recency (a scheduler's question, not a read). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): Promise<CachedSample | undefined> {
    return Promise.resolve(this.getNow(key));
  }

  /** The sample held under `key`, without touching its recency. */
  peek(key: string): CachedSample | undefined {
    return this.entries.get(key)?.sample;
  }

  /** get() without the promise, for answers prepared ahead of requests (src/samples/hot-hits.ts). */
  getNow(key: string): CachedSample | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.sample;
  }

  put(key: string, sample: CachedSample): Promise<void> {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      this.entries.delete(key);
      this.used -= existing.cost;
    }
    const charge = cost(key, sample);
    // An entry larger than the whole cache would evict everything and still not fit.
    if (charge > this.maxBytes) return Promise.resolve();
    this.entries.set(key, { sample, cost: charge });
    this.used += charge;
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.used -= entry.cost;
    }
    return Promise.resolve();
  }
}
