// The core's typed configuration, read with ConfigReader (src/config/reader.ts) from a plain
// string record (Node passes process.env, the Worker its vars), reporting every bad value at
// once with the variable's name.

import { ConfigReader, type EnvRecord } from "./config/reader.js";
import { LOG_LEVELS, type LogLevel } from "./logger.js";
import { readAccessConfig, type AccessConfig } from "./middleware/access-config.js";
import { readJobsConfig, type JobsConfig } from "./jobs/config.js";

export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  /** Both or neither; neither means the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** > 0: responses carry presigned GET URLs valid this long; 0: none. */
  presignSeconds: number;
}

export interface Config {
  /** Largest accepted request body (MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Largest accepted image upload, POST /v1/encode (MAX_IMAGE_BYTES). */
  maxImageBytes: number;
  /** In-memory sample cache bound in bytes (CACHE_MAX_BYTES); 0 disables it. */
  cacheMaxBytes: number;
  /** A sampler batch that takes longer fails with sampler_timeout (SAMPLE_TIMEOUT_MS). */
  sampleTimeoutMs: number;
  /** Deadlines and retries of every object store call, and the cached store check. */
  store: StoreResilienceConfig;
  /** Worker: batches the in-isolate WASM sampler computes or queues at once; more get 503 (MAX_COMPUTES_IN_FLIGHT). */
  maxComputesInFlight: number;
  /** Public base URL of the object store; objects are then linked as `${base}/${key}`. */
  publicBaseUrl: string | undefined;
  logLevel: LogLevel;
  s3: S3Config | undefined;
  /** The GPU backend pool (GPU_BACKEND_URLS); its other settings are in src/pool/config.ts. */
  gpuBackendUrls: string[];
  /** What a public deployment sets (issue 9): URL signing, API keys, rate limits, CORS, /metrics token. */
  access: AccessConfig;
  /** Batch jobs (POST /v1/jobs): limits, chunking, lease, webhooks (src/jobs/config.ts). */
  jobs: JobsConfig;
}

export interface StoreResilienceConfig {
  /** One store attempt's limit (STORE_TIMEOUT_MS). */
  attemptTimeoutMs: number;
  /** Retries after a failed or timed-out attempt (STORE_RETRIES). */
  retries: number;
  /** A store call's whole budget, retries included (STORE_DEADLINE_MS). */
  deadlineMs: number;
  /** How long /health/ready reuses a store check (STORE_HEALTH_TTL_MS). */
  healthTtlMs: number;
}

/** The store settings, shared by the router and the GPU backend. */
export function readStoreResilience(r: ConfigReader): StoreResilienceConfig {
  const attemptTimeoutMs = r.int("STORE_TIMEOUT_MS", 2_000, 50, 120_000);
  const deadlineMs = r.int("STORE_DEADLINE_MS", 5_000, 50, 300_000);
  if (attemptTimeoutMs > deadlineMs) r.problem("STORE_TIMEOUT_MS must not exceed STORE_DEADLINE_MS");
  return {
    attemptTimeoutMs,
    retries: r.int("STORE_RETRIES", 2, 0, 10),
    deadlineMs,
    healthTtlMs: r.int("STORE_HEALTH_TTL_MS", 5_000, 0, 600_000),
  };
}

export function readS3(r: ConfigReader): S3Config | undefined {
  const endpoint = r.url("S3_ENDPOINT");
  if (endpoint === undefined) return undefined;
  const bucket = r.string("S3_BUCKET");
  if (bucket === undefined) r.problem("S3_BUCKET is required when S3_ENDPOINT is set");
  const accessKeyId = r.string("S3_ACCESS_KEY_ID");
  const secretAccessKey = r.string("S3_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    r.problem("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
  }
  return {
    endpoint,
    bucket: bucket ?? "",
    region: r.string("S3_REGION") ?? "us-east-1",
    forcePathStyle: r.bool("S3_FORCE_PATH_STYLE", true),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey } }
      : {}),
    presignSeconds: r.int("S3_PRESIGN_SECONDS", 0, 0, 7 * 24 * 3600),
  };
}

export function readConfig(r: ConfigReader): Config {
  return {
    maxBodyBytes: r.int("MAX_BODY_BYTES", 16 * 1024, 256, 1024 * 1024),
    maxImageBytes: r.int("MAX_IMAGE_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    cacheMaxBytes: r.int("CACHE_MAX_BYTES", 64 * 1024 * 1024, 0, 16 * 1024 * 1024 * 1024),
    sampleTimeoutMs: r.int("SAMPLE_TIMEOUT_MS", 30_000, 100, 600_000),
    maxComputesInFlight: r.int("MAX_COMPUTES_IN_FLIGHT", 4, 1, 1024),
    store: readStoreResilience(r),
    publicBaseUrl: r.url("PUBLIC_BASE_URL"),
    logLevel: r.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    s3: readS3(r),
    gpuBackendUrls: r.urlList("GPU_BACKEND_URLS"),
    access: readAccessConfig(r),
    jobs: readJobsConfig(r),
  };
}

/** The core configuration; throws ConfigError naming every bad variable. */
export function parseConfig(env: EnvRecord): Config {
  const reader = new ConfigReader(env);
  const config = readConfig(reader);
  reader.finish();
  return config;
}
