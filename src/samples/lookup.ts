// Finding a sample that exists: the cache first, then the object store (whose hit is put in
// the cache), never computing. The one lookup both a request's misses and a lookup by key
// alone go through.

import type { Telemetry } from "../telemetry.js";
import { withEtag, type SampleStorage } from "./sample-storage.js";
import type { Found, SampleSource } from "./target.js";

/** The sample under `key` from the cache or the store, counting each layer's hit or miss; undefined: neither has it. */
export async function lookUp(storage: SampleStorage, telemetry: Telemetry, key: string): Promise<Found | undefined> {
  const cached = await storage.cacheGet(key);
  telemetry.lookup("cache", cached !== undefined);
  if (cached !== undefined) return { ...cached, source: "cache", sampler: null };
  const stored = await storage.storeGet(key);
  telemetry.lookup("store", stored !== undefined);
  if (stored === undefined) return undefined;
  const sample = await withEtag(stored);
  await storage.cachePut(key, sample);
  return { ...sample, source: "store", sampler: null };
}

/**
 * The ETag of a stored sample without reading its bytes: from the cache, else from the
 * store's metadata (a HEAD). Undefined when neither knows it (then the caller resolves).
 */
export async function etagOf(
  storage: SampleStorage,
  key: string,
): Promise<{ etag: string; source: SampleSource } | undefined> {
  const cached = await storage.cacheGet(key);
  if (cached !== undefined) return { etag: cached.etag, source: "cache" };
  const etag = await storage.storeEtag(key);
  return etag === undefined ? undefined : { etag, source: "store" };
}
