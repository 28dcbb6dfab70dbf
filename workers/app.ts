// Wires the core to Workers: the edge models (bundled, or read from the MODELS bucket), the
// WASM sampler and encoder on the precompiled .wasm, the GPU backend pool (health from the
// GpuPool Durable Object), the SAMPLES bucket as object store and the Cache API as sample
// cache (writes via waitUntil), batch jobs through the JOBS_QUEUE queue; at most
// MAX_COMPUTES_IN_FLIGHT batches compute at once on WASM, more are answered 503 with Retry-After.

import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "../src/app.js";
import type { QueueJobs } from "../src/jobs/queue.js";
import { BoundedSampler, boundedDecoder, boundedEncoder } from "../src/bounded-sampler.js";
import { CacheApiSampleCache } from "../src/cache/cache-api.js";
import { noCache } from "../src/cache/sample-cache.js";
import { systemClock } from "../src/clock.js";
import { ConfigReader } from "../src/config/reader.js";
import { REQUEST_ID_MAX_LENGTH } from "../src/limits.js";
import { createJsonLogger } from "../src/logger.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { WasmDecoder } from "../src/onnx/wasm-decoder.js";
import { WasmEncoder } from "../src/onnx/wasm-encoder.js";
import { WasmSampler } from "../src/onnx/wasm-sampler.js";
import type { SnapshotPool } from "../src/pool/snapshot-pool.js";
import { createRoutingPolicy } from "../src/routing/policy.js";
import { PNG_ROUTE_NAME } from "../src/routes/samples.js";
import { HotHits } from "../src/samples/hot-hits.js";
import { R2ObjectStore } from "../src/storage/r2.js";
import { resilientStore } from "../src/storage/resilient.js";
import { timedStore } from "../src/storage/timed.js";
import { Telemetry } from "../src/telemetry.js";
import { bundledRegistry, type BundledModel } from "./bundled-models.js";
import { readWorkerConfig } from "./config.js";
import { DeferredWriteCache } from "./deferred-cache.js";
import { stringVars, type Env } from "./env.js";
import { ISOLATE_CACHE_MAX_BYTES, IsolateFrontCache } from "./held-hits.js";
import { createQueueJobs } from "./jobs.js";
import { createEdgePool } from "./pool/edge-pool.js";
import { bindingLimiters } from "./rate-limit.js";

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
  /** The GPU backend pool (GPU_BACKEND_URLS): prepare() before routing, pending() to waitUntil. */
  pool: SnapshotPool | undefined;
  /** Batch jobs' executor, stepped by the queue() handler; undefined without JOBS_QUEUE. */
  jobs: QueueJobs | undefined;
  /** Cache hits answered without the app (workers/held-hits.ts); undefined with no cache or a request quota. */
  hits: HotHits | undefined;
}

/** The core app over this isolate's bindings; throws ConfigError on bad vars. */
export function createEdgeApp(env: Env, deps: EdgeDeps): EdgeApp {
  const reader = new ConfigReader(stringVars(env));
  const { core: config, pool: poolConfig, routing, snapshot } = readWorkerConfig(reader);
  reader.finish();
  const limiters = bindingLimiters(config, env);
  const logger = createJsonLogger({ level: config.logLevel, clock: systemClock, write: (line) => console.log(line) });
  const telemetry = new Telemetry();
  const pool =
    poolConfig === undefined
      ? undefined
      : createEdgePool(env, {
          config: poolConfig,
          snapshot,
          deadlineMs: config.sampleTimeoutMs,
          registry: telemetry.registry,
          clock: systemClock,
          logger,
        });
  const registry = bundledRegistry(deps.models, env.MODELS);
  const runtime = new OrtRuntime({ wasm: { kind: "module", module: deps.ortWasm } });
  // One WASM thread per isolate: a few batches may wait behind the running one, more get 503.
  const sampler = new BoundedSampler(new WasmSampler({ runtime }), config.maxComputesInFlight, 1);
  // An in-isolate LRU in front of caches.default: the hot hits are answered from memory.
  const front =
    config.cacheMaxBytes > 0
      ? new IsolateFrontCache(
          new CacheApiSampleCache(deps.cache),
          Math.min(config.cacheMaxBytes, ISOLATE_CACHE_MAX_BYTES),
        )
      : undefined;
  const cache = new DeferredWriteCache(front ?? noCache, logger);
  // The request quota is an asynchronous binding here: with one, every hit takes the app's path.
  const hits =
    front === undefined || limiters.requests !== undefined
      ? undefined
      : new HotHits({
          cache: front.memory,
          telemetry,
          logger,
          clock: systemClock,
          route: PNG_ROUTE_NAME,
          requestIdMaxLength: REQUEST_ID_MAX_LENGTH,
        });
  const monotonic = () => systemClock.monotonic();
  const store = timedStore(
    resilientStore(new R2ObjectStore(env.SAMPLES, config.publicBaseUrl), config.store, monotonic),
    telemetry.storeSeconds,
    monotonic,
  );
  const jobs = createQueueJobs(env);
  const app = createApp({
    config,
    registry,
    samplers: pool === undefined ? [sampler] : [pool.sampler, sampler],
    choose: createRoutingPolicy({ edge: sampler, gpu: pool?.sampler }, routing),
    retryAfterSeconds: routing.retryAfterSeconds,
    telemetry,
    encoders: [boundedEncoder(sampler, new WasmEncoder(runtime))],
    decoders: [boundedDecoder(sampler, new WasmDecoder(runtime))],
    store,
    cache,
    clock: systemClock,
    logger,
    limiters,
    // Cloudflare's edge sets it from the connection; clients cannot forge it through the edge.
    clientAddress: (c) => c.req.header("cf-connecting-ip"),
    ...(jobs === undefined ? {} : { jobs }),
    ...(hits === undefined ? {} : { heldHits: hits }),
  });
  return { app, cache, pool, jobs, hits };
}
