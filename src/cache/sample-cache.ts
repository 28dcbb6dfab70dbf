// The cache layer in front of the object store: sample bytes with their ETag by object
// key. A bounded in-memory LRU on Node; the Cache API in Workers.

export interface CachedSample {
  bytes: Uint8Array;
  /** Strong ETag of the bytes, quoted (see strongEtag in src/bytes.ts). */
  etag: string;
}

export interface SampleCache {
  readonly name: string;
  get(key: string): Promise<CachedSample | undefined>;
  put(key: string, sample: CachedSample): Promise<void>;
}

/** A cache that holds nothing (CACHE_MAX_BYTES=0). */
export const noCache: SampleCache = {
  name: "none",
  get: () => Promise.resolve(undefined),
  put: () => Promise.resolve(),
};
