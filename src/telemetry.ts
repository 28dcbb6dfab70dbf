// The service's own metrics: what /metrics exposes (requests by route and status, sampler
// calls, cache hits and misses by layer, latency histograms), created once per app.

import { Registry, type Counter, type Gauge, type Histogram } from "./metrics.js";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Store calls are slower than requests' own work at the low end: a local disk answers in 0.1 ms. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, ...LATENCY_BUCKETS];

export type CacheLayer = "cache" | "store";

/** What the cache gauges read at scrape time (LruSampleCache on Node; the Worker's Cache API has no size). */
export interface CacheSize {
  readonly bytesUsed: number;
  readonly size: number;
}

function lookupLabels(layer: CacheLayer, hit: boolean): Record<string, string> {
  return { layer, result: hit ? "hit" : "miss" };
}

export class Telemetry {
  readonly registry = new Registry();
  readonly requests: Counter = this.registry.counter(
    "biflow_http_requests_total",
    "HTTP requests by route pattern, method and status.",
    ["route", "method", "status"],
  );
  readonly requestSeconds: Histogram = this.registry.histogram(
    "biflow_http_request_duration_seconds",
    "HTTP request latency by route pattern.",
    ["route"],
    LATENCY_BUCKETS,
  );
  readonly lookups: Counter = this.registry.counter(
    "biflow_sample_lookups_total",
    "Sample lookups by layer (cache, store) and result (hit, miss).",
    ["layer", "result"],
  );
  readonly samplerCalls: Counter = this.registry.counter(
    "biflow_sampler_calls_total",
    "Sampler invocations (one per batch) by sampler, model and outcome.",
    ["sampler", "model", "outcome"],
  );
  readonly samplerImages: Counter = this.registry.counter(
    "biflow_sampler_images_total",
    "Images computed by samplers.",
    ["sampler", "model"],
  );
  readonly samplerSeconds: Histogram = this.registry.histogram(
    "biflow_sampler_duration_seconds",
    "Sampler batch latency.",
    ["sampler", "model"],
    LATENCY_BUCKETS,
  );
  readonly encoderCalls: Counter = this.registry.counter(
    "biflow_encoder_calls_total",
    "Encoder invocations (POST /v1/encode) by encoder, model and outcome.",
    ["encoder", "model", "outcome"],
  );
  readonly writeRaces: Counter = this.registry.counter(
    "biflow_store_write_races_total",
    "Computed samples whose key another writer stored first; the stored object was served (first writer wins).",
  );
  readonly coalesced: Counter = this.registry.counter(
    "biflow_coalesced_samples_total",
    "Samples that joined an identical computation already in flight.",
  );

  readonly storeSeconds: Histogram = this.registry.histogram(
    "biflow_store_operation_duration_seconds",
    "Object store calls (get, head, put) as requests see them, retries included, by outcome (ok, error).",
    ["operation", "outcome"],
    STORE_BUCKETS,
  );
  private readonly cacheBytes: Gauge = this.registry.gauge(
    "biflow_cache_bytes",
    "Bytes the in-memory sample cache holds (its charge per entry: bytes, key, ETag, overhead).",
  );
  private readonly cacheEntries: Gauge = this.registry.gauge(
    "biflow_cache_entries",
    "Samples the in-memory sample cache holds.",
  );

  /** Reports `cache`'s size on every scrape. */
  watchCache(cache: CacheSize): void {
    this.registry.onCollect(() => {
      this.cacheBytes.set({}, cache.bytesUsed);
      this.cacheEntries.set({}, cache.size);
    });
  }

  lookup(layer: CacheLayer, hit: boolean): void {
    this.lookups.inc(lookupLabels(layer, hit));
  }

  /** lookup() of one layer and result, bound once (Counter.bound). */
  boundLookup(layer: CacheLayer, hit: boolean): () => void {
    return this.lookups.bound(lookupLabels(layer, hit));
  }

  render(): string {
    return this.registry.render();
  }
}
