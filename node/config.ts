// Node-only settings (listen address, model and data folders) read with the core's
// ConfigReader, so one run reports every bad variable, core and Node alike.

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigReader, readConfig, type Config, type EnvRecord } from "../src/config.js";
import { readHttpTimeouts, type HttpTimeouts } from "../engine/http/serve.js";
import { readPoolConfig, readRoutingConfig, type PoolConfig, type RoutingConfig } from "../src/pool/config.js";

/**
 * The project root (the nearest folder with a package.json above this file, so it holds
 * for node/ run by tsx and for dist/node/ alike): defaults are relative to it, not to the
 * working directory.
 */
export const PROJECT_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

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
  /** The GPU backend pool; undefined without GPU_BACKEND_URLS. */
  pool: PoolConfig | undefined;
  routing: RoutingConfig;
}

export const DEFAULT_PORT = 8787;

export function parseNodeConfig(env: EnvRecord): NodeConfig {
  const reader = new ConfigReader(env);
  const core = readConfig(reader);
  const config: NodeConfig = {
    core,
    port: reader.int("PORT", DEFAULT_PORT, 0, 65535),
    host: reader.string("HOST") ?? "0.0.0.0",
    modelsDir: path.resolve(PROJECT_ROOT, reader.string("MODELS_DIR") ?? "models"),
    dataDir: path.resolve(PROJECT_ROOT, reader.string("DATA_DIR") ?? ".data"),
    shutdownGraceMs: reader.int("SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    http: readHttpTimeouts(reader),
    pool: readPoolConfig(reader, core.gpuBackendUrls),
    routing: readRoutingConfig(reader),
  };
  reader.finish();
  return config;
}
