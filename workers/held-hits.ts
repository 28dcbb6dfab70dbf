// Cache hits the Worker answers without running the app (issue 24, item 1): the Node server's
// held answers (src/samples/hot-hits.ts) over an in-isolate LRU in front of caches.default.
// Once the app has served a plain GET of a canonical sample URL from the cache, later plain
// GETs of the exact same target are answered here from the kept status, headers and body,
// with what varies per request (request id, access-log line, metrics, the cache's recency)
// done by HotHits with the app's own code. Anything else is the app's: another method,
// If-None-Match, a body, a target not held, a request quota (the Worker's rate limits are an
// asynchronous binding, so with RATE_LIMIT_REQUESTS_PER_MINUTE nothing is held), strict signing.

import { LruSampleCache } from "../src/cache/lru.js";
import type { CachedSample, SampleCache } from "../src/cache/sample-cache.js";
import type { HotHits } from "../src/samples/hot-hits.js";

/** Most bytes of PNGs an isolate keeps in front of caches.default (isolates have 128 MB). */
export const ISOLATE_CACHE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The in-isolate cache in front of another (caches.default): reads try memory first and keep
 * what the inner cache found; writes go to both. Samples never change, so memory is never stale.
 */
export class IsolateFrontCache implements SampleCache {
  readonly name: string;
  readonly memory: LruSampleCache;

  constructor(
    private readonly inner: SampleCache,
    maxBytes: number,
  ) {
    this.name = inner.name;
    this.memory = new LruSampleCache(maxBytes);
  }

  async get(key: string): Promise<CachedSample | undefined> {
    const held = this.memory.getNow(key);
    if (held !== undefined) return held;
    const found = await this.inner.get(key);
    if (found !== undefined) await this.memory.put(key, found);
    return found;
  }

  async put(key: string, sample: CachedSample): Promise<void> {
    await this.memory.put(key, sample);
    await this.inner.put(key, sample);
  }
}

/** The held answer to `request` as a Response, or undefined: the app answers it. */
export function heldResponse(hits: HotHits, request: Request): Response | undefined {
  if (request.method !== "GET" || request.body !== null || request.headers.has("if-none-match")) return undefined;
  const url = new URL(request.url);
  const answer = hits.answer({
    target: url.pathname + url.search,
    requestIdHeader: request.headers.get("x-request-id") ?? undefined,
    clientAddress: undefined,
  });
  if (answer === undefined) return undefined;
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
