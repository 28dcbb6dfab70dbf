// Wires the core to Node: the inference engine (worker threads on onnxruntime-node) as the
// in-process sampler, the WASM encoder with node_modules' .wasm, models from MODELS_DIR,
// the S3 store when S3_ENDPOINT is set (else a local directory), an in-memory LRU cache.

import type { OpenAPIHono } from "@hono/zod-openapi";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createApp, tokenBucketLimiters } from "../src/app.js";
import { REQUEST_ID_MAX_LENGTH } from "../src/limits.js";
import { PNG_ROUTE_NAME } from "../src/routes/samples.js";
import { HotHits } from "../src/samples/hot-hits.js";
import { LruSampleCache } from "../src/cache/lru.js";
import { inMemorySample } from "../src/samples/memory-hit.js";
import { noCache } from "../src/cache/sample-cache.js";
import { systemClock } from "../src/clock.js";
import type { Logger } from "../src/logger.js";
import { PoolDecoder } from "../src/pool/pool-decoder.js";
import { PoolSampler } from "../src/pool/pool-sampler.js";
import { createRoutingPolicy } from "../src/routing/policy.js";
import { Telemetry } from "../src/telemetry.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { WasmDecoder } from "../src/onnx/wasm-decoder.js";
import { WasmEncoder } from "../src/onnx/wasm-encoder.js";
import type { ObjectStore } from "../src/storage/object-store.js";
import { resilientStore } from "../src/storage/resilient.js";
import { S3ObjectStore } from "../src/storage/s3.js";
import { incomingClientAddress, nodeClientAddress } from "./client-address.js";
import { heldAnswers } from "./held-answers.js";
import type { NodeConfig } from "./config.js";
import { FsObjectStore } from "./fs-object-store.js";
import { eitherIndex, KnownStoredKeys, recordingStore } from "./known-stored.js";
import { createNodeJobs } from "./jobs/host.js";
import type { JobsHost } from "../src/jobs/host.js";
import { InferenceEngine } from "../engine/engine.js";
import { logPriority } from "../engine/onnx/thread-priority.js";
import { scanModelsDir } from "../engine/models-dir.js";
import type { WorkerModel } from "../engine/onnx/protocol.js";
import { EngineDecoder } from "../engine/decoder.js";
import { workerModel } from "../engine/onnx/worker-model.js";
import { EngineSampler } from "../engine/sampler.js";
import type { ModelRegistry } from "../src/models/registry.js";
import { registerProcessMetrics } from "../engine/process-metrics.js";
import { timedStore } from "../src/storage/timed.js";
import { nodeWasmLoading } from "./ort-wasm.js";
import { nodeOrtWebFiles } from "./ort-web-files.js";

export interface NodeApp {
  app: OpenAPIHono;
  sampler: EngineSampler;
  engine: InferenceEngine;
  /** The GPU backend pool (GPU_BACKEND_URLS); start() begins its health checks. */
  pool: PoolSampler | undefined;
  store: ObjectStore;
  /** Batch jobs' executor: main starts its runner when JOBS_WORKER is on. */
  jobs: JobsHost;
  /** Starts the engine's workers with every edge model (call before listening). */
  warmUp(): Promise<void>;
  /** Request targets the cache holds or the store is known to hold: they skip the server's queue under load. */
  answersFromMemory: (target: string) => boolean;
  /** Cache hits the app has served before, answered again without it (node/held-answers.ts). */
  answerHeld: ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined;
}

export function createStore(config: NodeConfig): ObjectStore {
  const { s3, publicBaseUrl } = config.core;
  const store = config.core.store;
  const inner =
    s3 !== undefined
      ? new S3ObjectStore({ ...s3, publicBaseUrl, requestTimeoutMs: store.attemptTimeoutMs })
      : new FsObjectStore(path.join(config.dataDir, "objects"));
  return resilientStore(inner, store, () => systemClock.monotonic());
}

/** The edge models the engine serves, with their verified files (src/flow's step files too). */
async function engineModels(registry: ModelRegistry): Promise<WorkerModel[]> {
  const edge = registry.list().filter((m) => m.manifest.placements.includes("edge") && m.hasFile("reverse"));
  return Promise.all(edge.map((m) => workerModel(m)));
}

export async function createNodeApp(config: NodeConfig, logger: Logger): Promise<NodeApp> {
  const { registry, skipped } = await scanModelsDir(config.modelsDir, logger);
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  const engine = new InferenceEngine({
    ...config.engine,
    models: await engineModels(registry),
    providers: ["cpu"],
    retryAfterSeconds: config.routing.retryAfterSeconds,
    logger,
    clock: systemClock,
  });
  const sampler = new EngineSampler({ engine, timeoutMs: config.core.sampleTimeoutMs });
  const telemetry = new Telemetry();
  registerProcessMetrics(telemetry.registry);
  const knownStored = new KnownStoredKeys();
  const store = recordingStore(
    timedStore(createStore(config), telemetry.storeSeconds, () => systemClock.monotonic()),
    knownStored,
  );
  const lru = config.core.cacheMaxBytes > 0 ? new LruSampleCache(config.core.cacheMaxBytes) : undefined;
  if (lru !== undefined) telemetry.watchCache(lru);
  const cache = lru ?? noCache;
  logger.info("models registered", {
    dir: config.modelsDir,
    models: registry.list().map((m) => m.ref),
    skipped: skipped.map((s) => s.folder),
  });
  const pool =
    config.pool === undefined
      ? undefined
      : new PoolSampler({
          config: config.pool,
          deadlineMs: config.core.sampleTimeoutMs,
          registry: telemetry.registry,
          clock: systemClock,
          logger,
        });
  const jobs = createNodeJobs(config);
  const limiters = tokenBucketLimiters(config.core, systemClock);
  const hotHits =
    lru === undefined
      ? undefined
      : new HotHits({
          cache: lru,
          telemetry,
          logger,
          clock: systemClock,
          ...(limiters.requests === undefined ? {} : { requests: limiters.requests }),
          route: PNG_ROUTE_NAME,
          requestIdMaxLength: REQUEST_ID_MAX_LENGTH,
        });
  const app = createApp({
    config: config.core,
    registry,
    samplers: pool === undefined ? [sampler] : [pool, sampler],
    encoders: [new WasmEncoder(runtime)],
    // G on given noise: GPU-placed models on backends that speak contract 3, else it joins
    // the engine's batches; WASM in-process only if the engine lacks the model.
    decoders: [
      ...(pool === undefined ? [] : [new PoolDecoder(pool)]),
      new EngineDecoder(engine, config.core.sampleTimeoutMs),
      new WasmDecoder(runtime),
    ],
    choose: createRoutingPolicy({ edge: sampler, gpu: pool }, config.routing),
    retryAfterSeconds: config.routing.retryAfterSeconds,
    telemetry,
    store,
    cache,
    clock: systemClock,
    logger,
    ortWebFiles: await nodeOrtWebFiles(),
    clientAddress: nodeClientAddress(config.core.access.trustedProxies),
    limiters,
    jobs,
    ...(hotHits === undefined ? {} : { heldHits: hotHits }),
  });
  const warmUp = async () => {
    const report = await engine.start();
    logPriority(logger, config.engine.niceness, report.priority);
    for (const failed of report.failed) logger.error("engine could not load a model", failed);
  };
  // Cache hits and samples known to be stored run ahead of queued work (turns.ts).
  const answersFromMemory = inMemorySample(registry, lru === undefined ? knownStored : eitherIndex(lru, knownStored));
  const answerHeld =
    hotHits === undefined ? undefined : heldAnswers(hotHits, incomingClientAddress(config.core.access.trustedProxies));
  return { app, sampler, engine, pool, store, jobs, warmUp, answersFromMemory, answerHeld };
}
