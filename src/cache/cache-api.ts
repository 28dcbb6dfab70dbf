// SampleCache over the standard Cache API (`caches.default` in Workers): entries are
// stored as immutable image/png responses under a synthetic URL derived from the key.

import type { CachedSample, SampleCache } from "./sample-cache.js";

/** The Cache API keys entries by URL; this origin never leaves the cache. */
export const CACHE_KEY_ORIGIN = "https://sample-cache.biflow.internal";

/** The subset of the Cache interface used here (Workers' Cache has the same shape). */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
}

export class CacheApiSampleCache implements SampleCache {
  readonly name = "cache-api";

  constructor(
    private readonly cache: CacheLike,
    /** How long the cache may keep an entry; samples never change, so long is fine. */
    private readonly maxAgeSeconds = 31_536_000,
  ) {}

  private request(key: string): Request {
    return new Request(`${CACHE_KEY_ORIGIN}/${key.split("/").map(encodeURIComponent).join("/")}`);
  }

  async get(key: string): Promise<CachedSample | undefined> {
    const response = await this.cache.match(this.request(key));
    if (response === undefined) return undefined;
    const etag = response.headers.get("etag");
    const bytes = new Uint8Array(await response.arrayBuffer());
    // An entry without its ETag was not written by us: treat it as a miss.
    return etag === null ? undefined : { bytes, etag };
  }

  async put(key: string, sample: CachedSample): Promise<void> {
    const response = new Response(sample.bytes.slice(), {
      headers: {
        "content-type": "image/png",
        etag: sample.etag,
        "cache-control": `public, max-age=${this.maxAgeSeconds}, immutable`,
      },
    });
    await this.cache.put(this.request(key), response);
  }
}
