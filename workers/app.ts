// Wires the core to Workers: the edge models (bundled, or read from the MODELS bucket), the
// WASM sampler and encoder on the precompiled .wasm, the SAMPLES bucket as object store and
// the Cache API as sample cache (writes via waitUntil); at most MAX_COMPUTES_IN_FLIGHT
// batches compute at once, more are answered 503 with Retry-After.

import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "../src/app.js";
import { BoundedSampler } from "../src/bounded-sampler.js";
import { CacheApiSampleCache } from "../src/cache/cache-api.js";
import { noCache } from "../src/cache/sample-cache.js";
import { systemClock } from "../src/clock.js";
import { parseConfig } from "../src/config.js";
import { createJsonLogger } from "../src/logger.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { WasmEncoder } from "../src/onnx/wasm-encoder.js";
import { WasmSampler } from "../src/onnx/wasm-sampler.js";
import { R2ObjectStore } from "../src/storage/r2.js";
import { bundledRegistry, type BundledModel } from "./bundled-models.js";
import { DeferredWriteCache } from "./deferred-cache.js";
import { stringVars, type Env } from "./env.js";

export interface EdgeDeps {
  /** onnxruntime-web's .wasm, compiled by wrangler (see workers/index.ts). */
  ortWasm: WebAssembly.Module;
  models: readonly BundledModel[];
  /** The Cache API cache samples go to (caches.default in production). */
  cache: Cache;
}

export interface EdgeApp {
  app: OpenAPIHono;
  /** Pending Cache API writes; the entry hands flush() to ctx.waitUntil. */
  cache: DeferredWriteCache;
}

/** The core app over this isolate's bindings; throws ConfigError on bad vars. */
export function createEdgeApp(env: Env, deps: EdgeDeps): EdgeApp {
  const config = parseConfig(stringVars(env));
  const logger = createJsonLogger({ level: config.logLevel, clock: systemClock, write: (line) => console.log(line) });
  if (config.gpuBackendUrls.length > 0) {
    logger.warn("GPU_BACKEND_URLS is ignored in the Worker: it samples edge models only", {
      count: config.gpuBackendUrls.length,
    });
  }
  const registry = bundledRegistry(deps.models, env.MODELS);
  const runtime = new OrtRuntime({ wasm: { kind: "module", module: deps.ortWasm } });
  // One WASM thread per isolate: a few batches may wait behind the running one, more get 503.
  const sampler = new BoundedSampler(new WasmSampler({ runtime }), config.maxComputesInFlight, 1);
  const inner = config.cacheMaxBytes > 0 ? new CacheApiSampleCache(deps.cache) : noCache;
  const cache = new DeferredWriteCache(inner, logger);
  const store = new R2ObjectStore(env.SAMPLES, config.publicBaseUrl);
  const app = createApp({
    config,
    registry,
    samplers: [sampler],
    encoders: [new WasmEncoder(runtime)],
    store,
    cache,
    clock: systemClock,
    logger,
  });
  return { app, cache };
}
