// The public-deployment settings (docs/public-deployment.md) as the benchmarks run them: every
// abuse control on, limits high enough never to refuse, so the cost of counting is measured
// and not the cost of refusing.

import { createHash } from "node:crypto";

/** The API key the benchmarks send; API_KEYS holds its digest. */
export const BENCH_API_KEY = "bench-api-key-0123456789abcdef";

export const PUBLIC_SETTINGS: Readonly<Record<string, string>> = {
  URL_SIGNING_KEY: "bench-url-signing-key-0123456789abcdef",
  API_KEYS: createHash("sha256").update(BENCH_API_KEY).digest("hex"),
  RATE_LIMIT_REQUESTS_PER_MINUTE: "1000000",
  RATE_LIMIT_IMAGES_PER_MINUTE: "1000000",
  METRICS_TOKEN: "bench-metrics-token-0123",
  CORS_ORIGINS: "https://app.example",
};
