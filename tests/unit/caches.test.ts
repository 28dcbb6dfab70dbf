// Sample caches: the LRU stays within its byte bound and evicts least recently used
// first; the Cache API adapter stores immutable PNG responses with their ETag.

import { describe, expect, it } from "vitest";
import { CacheApiSampleCache, CACHE_KEY_ORIGIN, type CacheLike } from "../../src/cache/cache-api.js";
import { LruSampleCache } from "../../src/cache/lru.js";
import { noCache } from "../../src/cache/sample-cache.js";

const sample = (size: number, tag = "t") => ({ bytes: new Uint8Array(size).fill(size & 0xff), etag: `"${tag}"` });

// Charges worked out by hand from the rule documented in lru.ts (the PNG's bytes, two bytes
// per character of key and ETag, 64 of bookkeeping), written here as plain numbers:
//   "k1".."k9" with a 400-byte PNG and ETag '"t"': 400 + 4 + 6 + 64 = 474
//   "k46".."k49" with a (300 + i)-byte PNG:       300 + i + 6 + 6 + 64 = 376 + i
//   "k" with a 100-byte PNG:                      100 + 2 + 6 + 64 = 172
describe("LruSampleCache", () => {
  it("returns the very bytes and ETag it was given", async () => {
    const lru = new LruSampleCache(10_000);
    const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await lru.put("k", { bytes, etag: '"abc"' });
    const got = await lru.get("k");
    expect(got?.etag).toBe('"abc"');
    expect(got?.bytes).toBe(bytes);
    expect([...(got?.bytes ?? [])]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  });

  it("never holds more than maxBytes: of 50 puts into 2,000 bytes the last four stay", async () => {
    const lru = new LruSampleCache(2_000);
    for (let i = 0; i < 50; i++) await lru.put(`k${i}`, sample(300 + i));
    // k46..k49 cost 422 + 423 + 424 + 425 = 1,694; adding k45 (421) would make 2,115.
    expect(lru.size).toBe(4);
    expect(lru.bytesUsed).toBe(1_694);
    expect(await lru.get("k45")).toBeUndefined();
    expect(await lru.get("k0")).toBeUndefined();
    for (let i = 46; i < 50; i++) expect(await lru.get(`k${i}`)).toEqual(sample(300 + i));
  });

  it("charges the documented cost per entry", async () => {
    const lru = new LruSampleCache(10_000);
    await lru.put("k1", sample(400));
    expect(lru.bytesUsed).toBe(474);
    await lru.put("k", sample(100));
    expect(lru.bytesUsed).toBe(474 + 172);
  });

  it("evicts the least recently used entry (get refreshes recency)", async () => {
    // Exactly three 474-byte entries fit.
    const lru = new LruSampleCache(1_422);
    await lru.put("k1", sample(400));
    await lru.put("k2", sample(400));
    await lru.put("k3", sample(400));
    expect(lru.size).toBe(3);
    expect(lru.bytesUsed).toBe(1_422);
    await lru.get("k1");
    await lru.put("k4", sample(400));
    expect(lru.size).toBe(3);
    expect(await lru.get("k2")).toBeUndefined();
    expect(await lru.get("k1")).toEqual(sample(400));
    expect(await lru.get("k3")).toEqual(sample(400));
    expect(await lru.get("k4")).toEqual(sample(400));
  });

  it("one byte short of three entries holds two", async () => {
    const lru = new LruSampleCache(1_421);
    await lru.put("k1", sample(400));
    await lru.put("k2", sample(400));
    await lru.put("k3", sample(400));
    expect(lru.size).toBe(2);
    expect(lru.bytesUsed).toBe(948);
    expect(await lru.get("k1")).toBeUndefined();
  });

  it("has() answers without refreshing recency", async () => {
    const lru = new LruSampleCache(1_422);
    await lru.put("k1", sample(400));
    await lru.put("k2", sample(400));
    await lru.put("k3", sample(400));
    expect(lru.has("k1")).toBe(true);
    await lru.put("k4", sample(400));
    expect(lru.has("k1")).toBe(false);
    expect(lru.has("k2")).toBe(true);
  });

  it("replaces an entry without double counting, and skips entries larger than the cache", async () => {
    const lru = new LruSampleCache(1_000);
    await lru.put("k", sample(100));
    expect(lru.bytesUsed).toBe(172);
    await lru.put("k", sample(100, "u"));
    expect(lru.bytesUsed).toBe(172);
    expect(lru.size).toBe(1);
    expect(await lru.get("k")).toEqual(sample(100, "u"));
    await lru.put("huge", sample(5_000));
    expect(await lru.get("huge")).toBeUndefined();
    expect(lru.bytesUsed).toBe(172);
    expect(await lru.get("k")).toEqual(sample(100, "u"));
  });

  it("rejects a negative bound", () => {
    expect(() => new LruSampleCache(-1)).toThrow(RangeError);
  });
});

describe("noCache", () => {
  it("holds nothing", async () => {
    await noCache.put("k", sample(1));
    expect(await noCache.get("k")).toBeUndefined();
  });
});

/** The Cache API's match/put semantics over a Map, as in Workers: keyed by URL. */
class MapCache implements CacheLike {
  readonly entries = new Map<string, Response>();
  match(request: Request): Promise<Response | undefined> {
    return Promise.resolve(this.entries.get(request.url)?.clone());
  }
  put(request: Request, response: Response): Promise<void> {
    this.entries.set(request.url, response);
    return Promise.resolve();
  }
}

describe("CacheApiSampleCache", () => {
  it("stores immutable PNG responses with the ETag under a synthetic URL", async () => {
    const backing = new MapCache();
    const cache = new CacheApiSampleCache(backing);
    const s = sample(10, "abc");
    await cache.put("samples/v1/m/1.0/null/g1.00/5.png", s);
    const url = `${CACHE_KEY_ORIGIN}/samples/v1/m/1.0/null/g1.00/5.png`;
    const stored = backing.entries.get(url);
    expect(stored?.headers.get("content-type")).toBe("image/png");
    expect(stored?.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await cache.get("samples/v1/m/1.0/null/g1.00/5.png")).toEqual(s);
    expect(await cache.get("samples/v1/m/1.0/null/g1.00/6.png")).toBeUndefined();
  });

  it("treats an entry without an ETag as a miss", async () => {
    const backing = new MapCache();
    await backing.put(new Request(`${CACHE_KEY_ORIGIN}/k`), new Response("x"));
    expect(await new CacheApiSampleCache(backing).get("k")).toBeUndefined();
  });
});
