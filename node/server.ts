// Wires the core to Node: WASM sampler and encoder with node_modules' .wasm, models from MODELS_DIR,
// the S3 store when S3_ENDPOINT is set (else a local directory), an in-memory LRU cache.

import type { OpenAPIHono } from "@hono/zod-openapi";
import path from "node:path";
import { createApp } from "../src/app.js";
import { LruSampleCache } from "../src/cache/lru.js";
import { noCache } from "../src/cache/sample-cache.js";
import { systemClock } from "../src/clock.js";
import type { Logger } from "../src/logger.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { WasmEncoder } from "../src/onnx/wasm-encoder.js";
import { WasmSampler } from "../src/onnx/wasm-sampler.js";
import type { ObjectStore } from "../src/storage/object-store.js";
import { S3ObjectStore } from "../src/storage/s3.js";
import type { NodeConfig } from "./config.js";
import { FsObjectStore } from "./fs-object-store.js";
import { scanModelsDir } from "./models-dir.js";
import { nodeWasmLoading } from "./ort-wasm.js";

export interface NodeApp {
  app: OpenAPIHono;
  sampler: WasmSampler;
  store: ObjectStore;
  /** Creates the ONNX sessions of every edge model (call before listening). */
  warmUp(): Promise<void>;
}

export function createStore(config: NodeConfig): ObjectStore {
  const { s3, publicBaseUrl } = config.core;
  if (s3 !== undefined) return new S3ObjectStore({ ...s3, publicBaseUrl });
  return new FsObjectStore(path.join(config.dataDir, "objects"));
}

export async function createNodeApp(config: NodeConfig, logger: Logger): Promise<NodeApp> {
  const { registry, skipped } = await scanModelsDir(config.modelsDir, logger);
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  const sampler = new WasmSampler({ runtime });
  const store = createStore(config);
  const cache = config.core.cacheMaxBytes > 0 ? new LruSampleCache(config.core.cacheMaxBytes) : noCache;
  logger.info("models registered", {
    dir: config.modelsDir,
    models: registry.list().map((m) => m.ref),
    skipped: skipped.map((s) => s.folder),
  });
  if (config.core.gpuBackendUrls.length > 0) {
    logger.warn("GPU_BACKEND_URLS is reserved for the GPU backend pool and not used yet", {
      count: config.core.gpuBackendUrls.length,
    });
  }
  const app = createApp({
    config: config.core,
    registry,
    samplers: [sampler],
    encoders: [new WasmEncoder(runtime)],
    store,
    cache,
    clock: systemClock,
    logger,
  });
  return { app, sampler, store, warmUp: () => sampler.warmUp(registry.list()) };
}
