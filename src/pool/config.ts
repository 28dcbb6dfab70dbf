// Settings of the GPU backend pool and of the routing policy, read with the core's
// ConfigReader so that one start reports every bad variable at once.

import type { ConfigReader } from "../config/reader.js";
import { MIN_SECRET_LENGTH } from "../contract/signing.js";

export interface PoolConfig {
  /** Backend base URLs (GPU_BACKEND_URLS); empty: no pool, edge sampling only. */
  urls: readonly string[];
  /** Shared HMAC secret (BACKEND_SECRET); required with a pool. */
  secret: string;
  /** GET /health/ready of every backend this often (POOL_HEALTH_INTERVAL_MS). */
  healthIntervalMs: number;
  /** A health check that takes longer fails (POOL_HEALTH_TIMEOUT_MS). */
  healthTimeoutMs: number;
  /** One attempt on one backend is abandoned after this long (BACKEND_TIMEOUT_MS). */
  attemptTimeoutMs: number;
  /** Consecutive failures that open a backend's circuit (POOL_BREAKER_FAILURES). */
  breakerFailures: number;
  /** How long an open circuit refuses requests before one trial (POOL_BREAKER_OPEN_MS). */
  breakerOpenMs: number;
  /**
   * Backends write PNGs to the router's bucket themselves (GPU_BACKEND_UPLOADS); set it
   * only when they share S3_BUCKET with the router, which then skips its own upload.
   */
  backendUploads: boolean;
}

export interface SnapshotConfig {
  /** A snapshot older than this is refreshed in the background (POOL_SNAPSHOT_REFRESH_MS). */
  refreshMs: number;
  /** Older than this (or none yet), a request waits for the owner first (POOL_SNAPSHOT_MAX_AGE_MS). */
  maxAgeMs: number;
  /** ... but at most this long, then goes on with what it has (POOL_SNAPSHOT_WAIT_MS). */
  waitMs: number;
}

export interface RoutingConfig {
  /** Edge-placed models run in-process up to this many images (EDGE_MAX_BATCH). */
  edgeMaxBatch: number;
  /** ... and only when their reverse model is at most this large (EDGE_MAX_PARAMS). */
  edgeMaxParameters: number;
  /** Retry-After (seconds) on 503 when no sampler can take a request (RETRY_AFTER_SECONDS). */
  retryAfterSeconds: number;
}

export function readPoolConfig(r: ConfigReader, urls: readonly string[]): PoolConfig | undefined {
  const secret = r.string("BACKEND_SECRET");
  const config = {
    healthIntervalMs: r.int("POOL_HEALTH_INTERVAL_MS", 2_000, 50, 600_000),
    healthTimeoutMs: r.int("POOL_HEALTH_TIMEOUT_MS", 1_000, 10, 60_000),
    attemptTimeoutMs: r.int("BACKEND_TIMEOUT_MS", 15_000, 10, 600_000),
    breakerFailures: r.int("POOL_BREAKER_FAILURES", 3, 1, 1000),
    breakerOpenMs: r.int("POOL_BREAKER_OPEN_MS", 5_000, 10, 600_000),
    backendUploads: r.bool("GPU_BACKEND_UPLOADS", false),
  };
  if (urls.length === 0) return undefined;
  if (secret === undefined) {
    r.problem("BACKEND_SECRET is required when GPU_BACKEND_URLS is set");
  } else if (secret.length < MIN_SECRET_LENGTH) {
    r.problem(`BACKEND_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return { urls, secret: secret ?? "", ...config };
}

/** How an isolate without a timer (Workers) reads the pool's health from its owner. */
export function readSnapshotConfig(r: ConfigReader): SnapshotConfig {
  return {
    refreshMs: r.int("POOL_SNAPSHOT_REFRESH_MS", 1_000, 0, 60_000),
    maxAgeMs: r.int("POOL_SNAPSHOT_MAX_AGE_MS", 5_000, 0, 600_000),
    waitMs: r.int("POOL_SNAPSHOT_WAIT_MS", 250, 1, 10_000),
  };
}

export function readRoutingConfig(r: ConfigReader): RoutingConfig {
  return {
    edgeMaxBatch: r.int("EDGE_MAX_BATCH", 8, 0, 64),
    edgeMaxParameters: r.int("EDGE_MAX_PARAMS", 20_000_000, 0, 2_000_000_000),
    retryAfterSeconds: r.int("RETRY_AFTER_SECONDS", 5, 1, 3600),
  };
}
