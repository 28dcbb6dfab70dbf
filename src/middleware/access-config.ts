// The controls a public deployment sets (issue 9): signed sample URLs, API keys, rate
// limits, the metrics token, CORS origins and trusted proxies; each is off until set.

import type { ConfigReader } from "../config/reader.js";
import { parseCidr } from "./client-ip/address.js";

/**
 * What a URL signature gates (URL_SIGNING_MODE). `compute`: computing only, so a stored image
 * is served whatever its URL's signature (Cloudinary's strict transformations). `strict`:
 * every image answer (200, 304, redirect) verifies the signature first (imgix's secure URLs).
 */
export const URL_SIGNING_MODES = ["compute", "strict"] as const;
export type UrlSigningMode = (typeof URL_SIGNING_MODES)[number];

export interface AccessConfig {
  /** HMAC key of sample URLs (URL_SIGNING_KEY); set: a sample URL computes only when signed. */
  urlSigningKey: string | undefined;
  /** What the signature gates; `strict` needs URL_SIGNING_KEY. */
  urlSigningMode: UrlSigningMode;
  /** Lower-case hex SHA-256 digests of the accepted API keys (API_KEYS); any: POSTs need a key. */
  apiKeyDigests: readonly string[];
  /** Requests per minute per API key, else per client address, on /v1 (0: off). */
  requestsPerMinute: number;
  /** Computed images per minute per API key, else per client address (0: off). */
  imagesPerMinute: number;
  /** Bearer token /metrics then requires (METRICS_TOKEN). */
  metricsToken: string | undefined;
  /** Origins allowed to call the POST endpoints cross-origin (CORS_ORIGINS); "*" any. */
  corsOrigins: readonly string[];
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed (TRUSTED_PROXIES, Node). */
  trustedProxies: readonly string[];
}

/** As for BACKEND_SECRET: an HMAC key must not be guessable. */
export const MIN_URL_SIGNING_KEY_LENGTH = 32;
export const MIN_METRICS_TOKEN_LENGTH = 16;

function list(r: ConfigReader, name: string): string[] {
  return (r.string(name) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function secret(r: ConfigReader, name: string, minLength: number): string | undefined {
  const value = r.string(name);
  // Only the length is reported: the value is a secret.
  if (value !== undefined && value.length < minLength) r.problem(`${name} must be at least ${minLength} characters`);
  return value;
}

export function readAccessConfig(r: ConfigReader): AccessConfig {
  const apiKeyDigests = list(r, "API_KEYS").map((d) => d.toLowerCase());
  if (apiKeyDigests.some((d) => !/^[0-9a-f]{64}$/.test(d))) {
    r.problem("API_KEYS must be comma-separated SHA-256 hex digests (64 hex digits each), never the keys themselves");
  }
  const corsOrigins = list(r, "CORS_ORIGINS").map((o) => o.replace(/\/+$/, ""));
  for (const origin of corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      r.problem(`CORS_ORIGINS entries must be origins like https://app.example.com, got "${origin.slice(0, 100)}"`);
    }
  }
  const trustedProxies = list(r, "TRUSTED_PROXIES");
  for (const proxy of trustedProxies) {
    if (parseCidr(proxy) === undefined) {
      r.problem(`TRUSTED_PROXIES entries must be IP addresses or CIDR ranges, got "${proxy.slice(0, 100)}"`);
    }
  }
  const urlSigningKey = secret(r, "URL_SIGNING_KEY", MIN_URL_SIGNING_KEY_LENGTH);
  const urlSigningMode = r.oneOf("URL_SIGNING_MODE", URL_SIGNING_MODES, "compute");
  if (urlSigningMode === "strict" && urlSigningKey === undefined) {
    r.problem("URL_SIGNING_MODE=strict needs URL_SIGNING_KEY: there is no signature to verify without it");
  }
  return {
    urlSigningKey,
    urlSigningMode,
    apiKeyDigests,
    requestsPerMinute: r.int("RATE_LIMIT_REQUESTS_PER_MINUTE", 0, 0, 1_000_000),
    imagesPerMinute: r.int("RATE_LIMIT_IMAGES_PER_MINUTE", 0, 0, 1_000_000),
    metricsToken: secret(r, "METRICS_TOKEN", MIN_METRICS_TOKEN_LENGTH),
    corsOrigins,
    trustedProxies,
  };
}
