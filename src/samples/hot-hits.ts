// Cache hits answered without running the app: the hottest path of the service is a GET of a
// canonical sample URL whose PNG the in-memory cache holds, and most of what the app does for
// it (routing, URL parsing against the manifest, class slugs, zod, Fetch Headers, promise
// hops) gives the same answer every time. So once the app has served such a target from the
// cache, its answer is kept here (status, headers, body), and later requests for the exact
// same target get it directly from the Node server (node/held-answers.ts), with what varies
// per request done by the same code the app runs: the request id (request-id), the request
// quota and its RateLimit fields (rate-limit), the access-log line and metrics (access-log),
// the cache's lookup metric and recency. Everything else falls back to the app: another
// method, a conditional request, a refusal, a cache that no longer holds the same bytes.
//
// What is kept depends on nothing but the target: the CORS headers of sample URLs do not
// depend on Origin (open policy), and outside URL_SIGNING_MODE=strict a cache hit is
// served whatever the signature. Strict mode keeps nothing (the route does not call remember).

import type { CachedSample } from "../cache/sample-cache.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { logRequest, requestLabels } from "../middleware/access-log/index.js";
import { addressKey } from "../middleware/client-ip/index.js";
import type { SampleOutcome } from "../middleware/context.js";
import { OPEN_CORS_HEADERS } from "../middleware/cors/index.js";
import { rateLimitHeaders } from "../middleware/rate-limit/headers.js";
import type { LimitName, RateDecision } from "../middleware/rate-limit/index.js";
import { chooseRequestId, REQUEST_ID_HEADER } from "../middleware/request-id/index.js";
import type { Telemetry } from "../telemetry.js";
import { pngBodyHeaders } from "./png-responses.js";
import type { FoundSample } from "./service.js";

/** The cache as the held answers read it: synchronously, with and without touching recency (LruSampleCache). */
export interface HeldCache {
  peek(key: string): CachedSample | undefined;
  getNow(key: string): CachedSample | undefined;
}

/** A limiter that decides in process (TokenBucketLimiter). */
export interface SyncLimiter {
  readonly name: LimitName;
  takeNow(key: string, cost: number): RateDecision;
}

export interface HotHitsDeps {
  cache: HeldCache;
  telemetry: Telemetry;
  logger: Logger;
  clock: Clock;
  /** RATE_LIMIT_REQUESTS_PER_MINUTE's limiter, when set. */
  requests?: SyncLimiter;
  /** The access log's and metrics' route label of sample URLs. */
  route: string;
  requestIdMaxLength: number;
  /** Most targets kept; past it all are forgotten (each keeps its image alive). */
  maxTargets?: number;
}

/** What the server needs of a request to answer it from here. */
export interface HeldRequest {
  /** Path and query, exactly as on the request line. */
  target: string;
  /** The X-Request-Id sent, if any. */
  requestIdHeader: string | undefined;
  /** The client's address; needed only where `countsRequests` (the adapter may skip finding it). */
  clientAddress: string | undefined;
}

export interface HeldAnswer {
  status: number;
  /** In the order the app's answer writes them (Fetch Headers iterate sorted by name). */
  headers: Record<string, string>;
  body: Uint8Array;
}

interface Held {
  key: string;
  /** The cache's bytes when the answer was kept: while the cache holds these, the answer stands. */
  bytes: Uint8Array;
  headers: Readonly<Record<string, string>>;
  /** Every header name of the answer, per-request ones included, in the order written. */
  order: readonly string[];
}

/** The metrics a held answer counts, their series looked up once. */
interface Counts {
  request: () => void;
  seconds: (value: number) => void;
  cacheHit: () => void;
}

const CACHE_HIT: SampleOutcome = { source: "cache", sampler: null };
const MAX_TARGETS = 1_000;
/** Client addresses remembered with their quota keys (parsing an address is most of a quota's cost). */
const MAX_ADDRESSES = 10_000;

export class HotHits {
  private readonly held = new Map<string, Held>();
  private readonly quotaKeys = new Map<string, string>();
  /** Bound at the first answer: the app has counted these series by then (it served the hit). */
  private counts: Counts | undefined;

  constructor(private readonly deps: HotHitsDeps) {}

  /** Whether answers take from a request quota, which counts per client address. */
  get countsRequests(): boolean {
    return this.deps.requests !== undefined;
  }

  /**
   * Keeps the answer to a GET of `target` (path and query) that the app has just served as a
   * 200 from the cache's image under `key`, with `cacheControl`, to a request without
   * If-None-Match.
   */
  remember(target: string, key: string, cacheControl: string): void {
    const cached = this.deps.cache.peek(key);
    if (cached === undefined) return;
    if (this.held.size >= (this.deps.maxTargets ?? MAX_TARGETS)) this.held.clear();
    const sample: FoundSample = { ...cached, key, ...CACHE_HIT };
    const headers = { ...pngBodyHeaders(sample, cacheControl), ...OPEN_CORS_HEADERS };
    const perRequest = [
      REQUEST_ID_HEADER,
      ...(this.deps.requests === undefined ? [] : ["ratelimit", "ratelimit-policy"]),
    ];
    const order = [...Object.keys(headers), ...perRequest].sort();
    this.held.set(target, { key, bytes: cached.bytes, headers, order });
  }

  /** The answer to a GET of `request.target`, or undefined: the app answers it. */
  answer(request: HeldRequest): HeldAnswer | undefined {
    const held = this.held.get(request.target);
    if (held === undefined) return undefined;
    const { deps } = this;
    const started = deps.clock.monotonic();
    if (deps.cache.peek(held.key)?.bytes !== held.bytes) {
      this.held.delete(request.target);
      return undefined;
    }
    let perRequest: Record<string, string> = {};
    if (deps.requests !== undefined) {
      const decision = deps.requests.takeNow(this.quotaKey(request.clientAddress), 1);
      // The refused take took nothing: the app takes again and answers the 429.
      if (!decision.ok) return undefined;
      perRequest = rateLimitHeaders(deps.requests.name, decision);
    }
    const counts = (this.counts ??= this.bindCounts());
    // What the app's lookup does: the key's recency, and its hit counted.
    deps.cache.getNow(held.key);
    counts.cacheHit();
    const requestId = chooseRequestId(request.requestIdHeader, deps.requestIdMaxLength);
    perRequest[REQUEST_ID_HEADER] = requestId;
    const headers: Record<string, string> = {};
    for (const name of held.order) {
      const value = perRequest[name] ?? held.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const ms = deps.clock.monotonic() - started;
    counts.request();
    counts.seconds(ms / 1000);
    logRequest(deps.logger, { method: "GET", route: deps.route, status: 200, ms, outcome: CACHE_HIT, requestId });
    return { status: 200, headers, body: held.bytes };
  }

  private bindCounts(): Counts {
    const { telemetry, route } = this.deps;
    const labels = requestLabels({ route, method: "GET", status: 200 });
    return {
      request: telemetry.requests.bound(labels.requests),
      seconds: telemetry.requestSeconds.bound(labels.seconds),
      cacheHit: telemetry.boundLookup("cache", true),
    };
  }

  /** addressKey(address), remembered: a client sends many requests. */
  private quotaKey(address: string | undefined): string {
    if (address === undefined) return addressKey(address);
    let key = this.quotaKeys.get(address);
    if (key === undefined) {
      if (this.quotaKeys.size >= MAX_ADDRESSES) this.quotaKeys.clear();
      key = addressKey(address);
      this.quotaKeys.set(address, key);
    }
    return key;
  }
}
