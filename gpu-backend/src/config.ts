// The backend's settings from its environment (table in docs/gpu-backend.md, "Backend settings"), read
// with the core's ConfigReader so one start reports every bad variable at once.

import { availableParallelism } from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../engine/project-root.js";
import { readHttpTimeouts, type HttpTimeouts } from "../../engine/http/serve.js";
import { readS3, readStoreResilience, type S3Config, type StoreResilienceConfig } from "../../src/config.js";
import { ConfigReader, type EnvRecord } from "../../src/config/reader.js";
import { MAX_SEEDS } from "../../src/contract/backend-v1.js";
import { MIN_SECRET_LENGTH } from "../../src/contract/signing.js";
import { LOG_LEVELS, type LogLevel } from "../../src/logger.js";
import { parseProviders, type ExecutionProvider } from "../../engine/onnx/providers.js";

export interface BackendConfig {
  port: number;
  host: string;
  /** Shared HMAC secret with the routers (BACKEND_SECRET). */
  secret: string;
  /** In preference order (EXECUTION_PROVIDERS, default cuda,cpu). */
  providers: ExecutionProvider[];
  /** Most images in one model run (MAX_BATCH). */
  maxBatch: number;
  /** Longest an image waits for others to fill its batch (MAX_DELAY_MS); 0: never wait. */
  maxDelayMs: number;
  /** Most images waiting for a worker (MAX_QUEUE); more are refused with 503. */
  maxQueue: number;
  /** Inference worker threads (WORKERS), each with its own sessions. */
  workers: number;
  /** ORT intra-op threads per session (INTRA_OP_THREADS); 0: cores / WORKERS. */
  intraOpThreads: number;
  /** Nice value added to the inference threads (INFERENCE_NICE): health checks and 503s keep their speed. */
  niceness: number;
  /** MODELS_DIR, relative to the project root (default models/). */
  modelsDir: string;
  /** Where `s3` output goes; absent: only inline output is offered. */
  s3: S3Config | undefined;
  /** Deadlines and retries of its S3 puts (STORE_TIMEOUT_MS, STORE_RETRIES, STORE_DEADLINE_MS). */
  store: StoreResilienceConfig;
  logLevel: LogLevel;
  retryAfterSeconds: number;
  shutdownGraceMs: number;
  http: HttpTimeouts;
}

export const DEFAULT_BACKEND_PORT = 8080;

/** Every setting the backend reads, problems left in the reader (see parseBackendConfig). */
export function readBackendConfig(r: ConfigReader): BackendConfig {
  const secret = r.string("BACKEND_SECRET");
  if (secret === undefined) r.problem("BACKEND_SECRET is required");
  else if (secret.length < MIN_SECRET_LENGTH)
    r.problem(`BACKEND_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  const parsed = parseProviders(r.string("EXECUTION_PROVIDERS") ?? "cuda,cpu");
  for (const problem of parsed.problems) r.problem(`EXECUTION_PROVIDERS: ${problem}`);
  const workers = r.int("WORKERS", 1, 1, 64);
  const threads = r.int("INTRA_OP_THREADS", 0, 0, 256);
  return {
    port: r.int("PORT", DEFAULT_BACKEND_PORT, 0, 65535),
    host: r.string("HOST") ?? "0.0.0.0",
    secret: secret ?? "",
    providers: parsed.providers,
    maxBatch: r.int("MAX_BATCH", 64, 1, 1024),
    maxDelayMs: r.int("MAX_DELAY_MS", 2, 0, 10_000),
    // A full request (64 images) must always fit in an empty queue.
    maxQueue: r.int("MAX_QUEUE", 1024, MAX_SEEDS, 1_000_000),
    workers,
    intraOpThreads: threads > 0 ? threads : Math.max(1, Math.floor(availableParallelism() / workers)),
    niceness: r.int("INFERENCE_NICE", 10, 0, 19),
    modelsDir: path.resolve(PROJECT_ROOT, r.string("MODELS_DIR") ?? "models"),
    s3: readS3(r),
    store: readStoreResilience(r),
    logLevel: r.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    retryAfterSeconds: r.int("RETRY_AFTER_SECONDS", 1, 1, 3600),
    shutdownGraceMs: r.int("SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    http: readHttpTimeouts(r),
  };
}

export function parseBackendConfig(env: EnvRecord): BackendConfig {
  const r = new ConfigReader(env);
  const config = readBackendConfig(r);
  r.finish();
  return config;
}
