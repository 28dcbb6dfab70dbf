// The Worker's bindings as declared in wrangler.toml: the R2 buckets (sample PNGs, large
// model files), the GPU pool's Durable Object, the rate limiters, the jobs queue and the string vars/secrets
// the core's configuration reads (src/config.ts, src/pool/config.ts).

import type { EnvRecord } from "../src/config/reader.js";
import type { JobMessage } from "../src/jobs/queue.js";
import type { GpuPool } from "./pool/gpu-pool-object.js";

export interface Env {
  /** R2 bucket holding sample PNGs under their derived keys (wrangler.toml [[r2_buckets]]). */
  SAMPLES: R2Bucket;
  /** R2 bucket with the model files too large to bundle (npm run worker:upload-models). */
  MODELS: R2Bucket;
  /** Public base URL of the bucket (custom domain or r2.dev); absent: no object_url in responses. */
  PUBLIC_BASE_URL?: string;
  LOG_LEVEL?: string;
  MAX_BODY_BYTES?: string;
  SAMPLE_TIMEOUT_MS?: string;
  /** The Durable Object that owns the GPU pool's health (wrangler.toml [[durable_objects.bindings]]). */
  GPU_POOL: DurableObjectNamespace<GpuPool>;
  /** GPU backend base URLs, comma-separated; with them, batches the edge should not run go there. */
  GPU_BACKEND_URLS?: string;
  /** Secret (`wrangler secret put BACKEND_SECRET`): signs requests to the backends. */
  BACKEND_SECRET?: string;
  /**
   * Public-deployment controls (docs/public-deployment.md); each off until set. Secrets:
   * URL_SIGNING_KEY, API_KEYS (SHA-256 digests), METRICS_TOKEN (`wrangler secret put`).
   */
  URL_SIGNING_KEY?: string;
  /** "strict": every image answer verifies its URL's signature (default "compute": computing only). */
  URL_SIGNING_MODE?: string;
  API_KEYS?: string;
  METRICS_TOKEN?: string;
  CORS_ORIGINS?: string;
  /** Switch on the limits that wrangler.toml's [[ratelimits]] bindings below declare. */
  RATE_LIMIT_REQUESTS_PER_MINUTE?: string;
  RATE_LIMIT_IMAGES_PER_MINUTE?: string;
  /** Every /v1 request, per API key or client (CF-Connecting-IP, IPv6 by /64). */
  REQUESTS_RATE_LIMITER?: RateLimit;
  /** Computed images, per API key or client. */
  IMAGES_RATE_LIMITER?: RateLimit;
  /** "true": backends write the PNGs into SAMPLES through R2's S3 API; the Worker skips its put. */
  GPU_BACKEND_UPLOADS?: string;
  /** Routing (src/pool/config.ts, read as on Node): edge batch and model size limits, Retry-After. */
  EDGE_MAX_BATCH?: string;
  EDGE_MAX_PARAMS?: string;
  RETRY_AFTER_SECONDS?: string;
  /** Pool settings, as on Node; POOL_SNAPSHOT_* are the Worker's own (docs/worker.md, "The GPU backend pool in the Worker"). */
  BACKEND_TIMEOUT_MS?: string;
  POOL_HEALTH_INTERVAL_MS?: string;
  POOL_HEALTH_TIMEOUT_MS?: string;
  POOL_BREAKER_FAILURES?: string;
  POOL_BREAKER_OPEN_MS?: string;
  POOL_SNAPSHOT_REFRESH_MS?: string;
  POOL_SNAPSHOT_MAX_AGE_MS?: string;
  POOL_SNAPSHOT_WAIT_MS?: string;
  CACHE_MAX_BYTES?: string;
  /**
   * Batch jobs' queue (wrangler.toml [[queues.producers]]): each message is one step of one
   * job, consumed by this Worker's queue() handler. Absent: no jobs API (404).
   */
  JOBS_QUEUE?: Queue<JobMessage>;
  /** How overdue a job's next step is before the Cron Trigger's sweep re-enqueues it (ms). */
  JOBS_OVERDUE_MS?: string;
}

/**
 * The string-valued entries of `env` (vars and secrets) as the record the core's config
 * reader takes; bindings such as the R2 bucket are objects and stay out.
 */
export function stringVars(env: Env): EnvRecord {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === "string") vars[name] = value;
  return vars;
}
