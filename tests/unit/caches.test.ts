// Sample caches: the LRU stays within its byte bound and evicts least recently used
// first; the Cache API adapter stores immutable PNG responses with their ETag.

import { describe, expect, it } from "vitest";
import { CacheApiSampleCache, CACHE_KEY_ORIGIN, type CacheLike } from "../../src/cache/cache-api.js";
import { LruSampleCache } from "../../src/cache/lru.js";
import { noCache } from "../../src/cache/sample-cache.js";

const sample = (size: number, tag = "t") => ({ bytes: new Uint8Array(size).fill(size & 0xff), etag: `"${tag}"` });

describe("LruSampleCache", () => {
  it("never holds more than maxBytes", async () => {
    const lru = new LruSampleCache(2_000);
    for (let i = 0; i < 50; i++) await lru.put(`k${i}`, sample(300 + i));
    expect(lru.bytesUsed).toBeLessThanOrEqual(2_000);
    expect(lru.size).toBeGreaterThan(0);
    expect(await lru.get("k0")).toBeUndefined();
    expect(await lru.get("k49")).toBeDefined();
  });

  it("evicts the least recently used entry (get refreshes recency)", async () => {
    const lru = new LruSampleCache(3 * (400 + 2 * 2 + 3 * 2 + 64));
    await lru.put("k1", sample(400));
    await lru.put("k2", sample(400));
    await lru.put("k3", sample(400));
    await lru.get("k1");
    await lru.put("k4", sample(400));
    expect(await lru.get("k2")).toBeUndefined();
    expect(await lru.get("k1")).toBeDefined();
    expect(await lru.get("k3")).toBeDefined();
    expect(await lru.get("k4")).toBeDefined();
  });

  it("replaces an entry without double counting, and skips entries larger than the cache", async () => {
    const lru = new LruSampleCache(1_000);
    await lru.put("k", sample(100));
    const used = lru.bytesUsed;
    await lru.put("k", sample(100, "u"));
    expect(lru.bytesUsed).toBe(used);
    expect((await lru.get("k"))?.etag).toBe('"u"');
    await lru.put("huge", sample(5_000));
    expect(await lru.get("huge")).toBeUndefined();
    expect(await lru.get("k")).toBeDefined();
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
