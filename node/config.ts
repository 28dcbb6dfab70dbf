// Node-only settings (listen address, model and data folders) read with the core's
// ConfigReader, so one run reports every bad variable, core and Node alike.

import path from "node:path";
import type { Config } from "../src/config.js";
import { ConfigReader, type EnvRecord } from "../src/config/reader.js";
import { PROJECT_ROOT } from "../engine/project-root.js";
import { readHttpTimeouts, type HttpTimeouts } from "../engine/http/serve.js";
import type { PoolConfig, RoutingConfig } from "../src/pool/config.js";
import { readRouterConfig } from "../src/router-config.js";

export interface NodeConfig {
  core: Config;
  port: number;
  host: string;
  modelsDir: string;
  /** Root of the local object store when no S3_ENDPOINT is set. */
  dataDir: string;
  /** Longest wait for in-flight requests on SIGTERM before exiting anyway. */
  shutdownGraceMs: number;
  http: HttpTimeouts;
  /** The in-process inference engine (engine/engine.ts). */
  engine: EngineConfig;
  /** The GPU backend pool; undefined without GPU_BACKEND_URLS. */
  pool: PoolConfig | undefined;
  routing: RoutingConfig;
}

export interface EngineConfig {
  /** Inference worker threads (ENGINE_WORKERS). */
  workers: number;
  /** onnxruntime threads per session (ENGINE_THREADS): 1 leaves a core to HTTP on 2 cores. */
  intraOpThreads: number;
  /** Nice value added to the inference threads (ENGINE_NICE): under contention HTTP gets the CPU first. */
  niceness: number;
  /** Most images in one model run (ENGINE_MAX_BATCH). */
  maxBatch: number;
  /** Longest an image waits for others to fill its batch (ENGINE_MAX_DELAY_MS). */
  maxDelayMs: number;
  /** Most images waiting for a worker (ENGINE_MAX_QUEUE); more: 503 with Retry-After. */
  maxQueue: number;
}

export const DEFAULT_PORT = 8787;

function readEngineConfig(reader: ConfigReader): EngineConfig {
  return {
    workers: reader.int("ENGINE_WORKERS", 1, 1, 64),
    intraOpThreads: reader.int("ENGINE_THREADS", 1, 1, 256),
    niceness: reader.int("ENGINE_NICE", 10, 0, 19),
    maxBatch: reader.int("ENGINE_MAX_BATCH", 32, 1, 1024),
    maxDelayMs: reader.int("ENGINE_MAX_DELAY_MS", 2, 0, 10_000),
    // A full request (64 images) must always fit in an empty queue.
    maxQueue: reader.int("ENGINE_MAX_QUEUE", 256, 64, 1_000_000),
  };
}

/** Every setting the Node router reads, problems left in the reader (see parseNodeConfig). */
export function readNodeConfig(reader: ConfigReader): NodeConfig {
  const { core, pool, routing } = readRouterConfig(reader);
  return {
    core,
    port: reader.int("PORT", DEFAULT_PORT, 0, 65535),
    host: reader.string("HOST") ?? "0.0.0.0",
    modelsDir: path.resolve(PROJECT_ROOT, reader.string("MODELS_DIR") ?? "models"),
    dataDir: path.resolve(PROJECT_ROOT, reader.string("DATA_DIR") ?? ".data"),
    shutdownGraceMs: reader.int("SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    http: readHttpTimeouts(reader),
    engine: readEngineConfig(reader),
    pool,
    routing,
  };
}

export function parseNodeConfig(env: EnvRecord): NodeConfig {
  const reader = new ConfigReader(env);
  const config = readNodeConfig(reader);
  reader.finish();
  return config;
}
