// The router's uncached throughput before and after issue 10, side by side in one run: the
// same core app over the trained model, sampling in-process either on the old WASM sampler
// (onnxruntime-web on the event loop, serial) or on the Node inference engine (worker
// threads on onnxruntime-node, dynamic batching). Each is served on a loopback port and
// driven by `concurrency` closed-loop clients asking for distinct seeds (every request a
// compute) for a fixed window; /health/live is probed alongside.
// Usage: node --import tsx scripts/bench/router-uncached.ts [seconds] [concurrency]

import type { AddressInfo } from "node:net";
import path from "node:path";
import { InferenceEngine } from "../../engine/engine.js";
import { serveHttp } from "../../engine/http/serve.js";
import { scanModelsDir } from "../../engine/models-dir.js";
import { EngineSampler } from "../../engine/sampler.js";
import { PROJECT_ROOT } from "../../engine/project-root.js";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { createApp } from "../../src/app.js";
import { noCache } from "../../src/cache/sample-cache.js";
import { systemClock } from "../../src/clock.js";
import { parseConfig } from "../../src/config.js";
import { silentLogger } from "../../src/logger.js";
import type { ModelRegistry } from "../../src/models/registry.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmSampler } from "../../src/onnx/wasm-sampler.js";
import type { Sampler } from "../../src/sampler.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import { percentile, round } from "./stats.js";

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 8);
const MODEL = "fmnist-biflow-s";

async function drive(registry: ModelRegistry, sampler: Sampler, seedBase: number) {
  const app = createApp({
    config: parseConfig({}),
    registry,
    samplers: [sampler],
    store: new MemoryObjectStore(),
    cache: noCache,
    logger: silentLogger,
  });
  const timeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 };
  let port = 0;
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: app.fetch, port: 0, host: "127.0.0.1", timeouts }, (info: AddressInfo) => {
      port = info.port;
      resolve(s);
    });
  });
  const base = `http://127.0.0.1:${port}`;
  // Warm-up: sessions created, first batch run.
  await (await fetch(`${base}/v1/samples/${MODEL}/coat/${seedBase - 1}.png`, { redirect: "follow" })).arrayBuffer();
  const latencies: number[] = [];
  const live: number[] = [];
  const statuses = new Map<number, number>();
  const end = performance.now() + seconds * 1000;
  let seed = seedBase;
  const client = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const res = await fetch(`${base}/v1/samples/${MODEL}/coat/${seed++}.png?guidance=0.50`);
      await res.arrayBuffer();
      if (performance.now() <= end) {
        latencies.push(performance.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }
  };
  const prober = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await (await fetch(`${base}/health/live`)).arrayBuffer();
      live.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all([...Array.from({ length: concurrency }, client), prober()]);
  await new Promise<void>((r) => server.close(() => r()));
  return {
    images_per_s: round((statuses.get(200) ?? 0) / seconds, 1),
    p50_ms: round(percentile(latencies, 0.5)),
    p99_ms: round(percentile(latencies, 0.99)),
    live_p99_ms: round(percentile(live, 0.99)),
    statuses: Object.fromEntries(statuses),
  };
}

const { registry } = await scanModelsDir(path.join(PROJECT_ROOT, "models"), silentLogger);
const model = registry.get(MODEL);
if (model === undefined) throw new Error(`no ${MODEL} in models/`);
const before = await drive(
  registry,
  new WasmSampler({ runtime: new OrtRuntime({ wasm: nodeWasmLoading() }) }),
  1_000_000,
);
const engine = new InferenceEngine({
  models: [
    {
      ref: model.ref,
      bytes: await model.loadFile("reverse"),
      image: model.manifest.image,
      nullClass: model.manifest.null_class,
    },
  ],
  workers: 1,
  intraOpThreads: 1,
  providers: ["cpu"],
  maxBatch: 32,
  maxDelayMs: 2,
  maxQueue: 256,
  retryAfterSeconds: 1,
  logger: silentLogger,
  clock: systemClock,
});
await engine.start();
const after = await drive(registry, new EngineSampler({ engine, timeoutMs: 30_000 }), 2_000_000);
await engine.close();
console.log(
  JSON.stringify(
    { model: model.ref, seconds, concurrency, before_wasm_in_process: before, after_engine: after },
    null,
    1,
  ),
);
