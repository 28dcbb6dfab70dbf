// The Worker's bindings as declared in wrangler.toml: the R2 buckets (sample PNGs, large
// model files) and the string vars/secrets the core's configuration reads (src/config.ts).

import type { EnvRecord } from "../src/config.js";

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
  /**
   * Node's GPU backend pool. The Worker samples edge models only: the pool's health checks run
   * on a timer between requests, which workerd does not do; set, it is validated and logged.
   */
  GPU_BACKEND_URLS?: string;
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
