// First writer wins, end to end: two routers over one local store, one sampling on the WASM
// sampler (the app in this process, as the Worker samples), the other a router process that
// sends every batch to a real GPU backend process (CPU provider), asked for the same new
// samples at once, on the trained model (the tiny fixture's float error rarely
// changes a pixel). The two samplers' PNGs differ for a few keys (up to 2/255; which keys
// depends on the CPU, so they are searched for first), yet every answer for a key must have
// the same bytes and ETag as the store.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { fromBase64 } from "../../src/bytes.js";
import { GenerateResponseSchema } from "../../src/contract/backend-v1.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmSampler } from "../../src/onnx/wasm-sampler.js";
import { BACKEND_SECRET, generateBody, metricValue, signedInit, startBackend } from "../helpers/backend.js";
import { ROOT, fixtureRegistry } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { FsObjectStore } from "../../node/fs-object-store.js";
import { createApp } from "../../src/app.js";
import { noCache } from "../../src/cache/sample-cache.js";
import { parseConfig } from "../../src/config.js";
import { Telemetry } from "../../src/telemetry.js";

type Proc = Running & { url: string };

const bytesEqual = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
/** Where to look for keys the two samplers disagree on (1 to 3 in 64 here). */
const CANDIDATES = Array.from({ length: 256 }, (_, i) => 1000 + i);
const MODELS_DIR = path.join(ROOT, "models");
const MODEL = "fmnist-biflow-s";
/** The race's keys: the disagreeing ones, and as many agreeing ones. */
let seeds: number[] = [];
const CLASS = { index: 4, slug: "coat" };
const GUIDANCE = 0.5;

let dataDir: string;
let version: string;
let backend: Proc;
/** A router to GET from: a process over HTTP, or the in-process app. */
interface Router {
  url: string;
  fetch?: (url: string) => Promise<Response>;
}

let wasmRouter: Router;
let gpuRouter: Proc;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-race-"));
  version = (await fixtureRegistry(MODELS_DIR)).get(MODEL)?.manifest.version ?? "";
  backend = await startBackend({ MODELS_DIR, MAX_DELAY_MS: "5" });
  // Every batch to the backend; it answers inline and this router stores what it gets.
  gpuRouter = await startRouter({
    MODELS_DIR,
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    CACHE_MAX_BYTES: "0",
    GPU_BACKEND_URLS: backend.url,
    BACKEND_SECRET,
    EDGE_MAX_BATCH: "0",
  });
  const app = createApp({
    config: parseConfig({}),
    registry: await fixtureRegistry(MODELS_DIR),
    samplers: [new WasmSampler({ runtime: new OrtRuntime({ wasm: nodeWasmLoading() }) })],
    store: new FsObjectStore(path.join(dataDir, "objects")),
    cache: noCache,
    telemetry: new Telemetry(),
  });
  wasmRouter = { url: "http://wasm.test", fetch: (url) => Promise.resolve(app.request(url)) };
});

afterAll(async () => {
  await Promise.all([gpuRouter, backend].map((p) => p.stop("SIGKILL")));
  await rm(dataDir, { recursive: true, force: true });
});

const url = (seed: number) => `/v1/samples/${MODEL}@${version}/${CLASS.slug}/${seed}.png?guidance=0.50`;
const key = (seed: number) => `samples/v1/${MODEL}/${version}/${CLASS.index}/g0.50/${seed}.png`;

async function get(
  router: { url: string; fetch?: (url: string) => Promise<Response> },
  seed: number,
): Promise<{ bytes: Uint8Array; etag: string; source: string }> {
  const res = await (router.fetch ?? fetch)(router.url + url(seed));
  expect(res.status).toBe(200);
  return {
    bytes: new Uint8Array(await res.arrayBuffer()),
    etag: res.headers.get("etag") ?? "",
    source: res.headers.get("x-sample-source") ?? "",
  };
}

describe("the WASM sampler and the GPU backend racing on the same keys", () => {
  it("compute other bytes for some keys (so the race below can go wrong)", async () => {
    const model = (await fixtureRegistry(MODELS_DIR)).get(MODEL);
    if (model === undefined) throw new Error(`${MODEL} missing from models/`);
    const wasm = new WasmSampler({ runtime: new OrtRuntime({ wasm: nodeWasmLoading() }) });
    const differing: number[] = [];
    for (let i = 0; i < CANDIDATES.length; i += 64) {
      const batch = CANDIDATES.slice(i, i + 64);
      const local = await wasm.sample({ model, classInput: CLASS.index, seeds: batch, guidance: GUIDANCE });
      const body = generateBody({ model: MODEL, version, class: CLASS.index, guidance: GUIDANCE, seeds: batch });
      const res = await fetch(`${backend.url}/v1/generate`, await signedInit(body));
      const answer = GenerateResponseSchema.parse(await res.json());
      answer.samples.forEach((s, k) => {
        if (!bytesEqual(fromBase64(s.png ?? ""), local[k]?.png ?? new Uint8Array())) differing.push(s.seed);
      });
    }
    expect(differing.length).toBeGreaterThan(0);
    const agreeing = CANDIDATES.filter((seed) => !differing.includes(seed)).slice(0, differing.length);
    seeds = [...differing, ...agreeing];
  });

  it("answer every key with the stored object's bytes and ETag, whichever router wrote it", async () => {
    const answers = await Promise.all(
      seeds.map(async (seed) => {
        const [a, b] = await Promise.all([get(wasmRouter, seed), get(gpuRouter, seed)]);
        return { seed, a, b };
      }),
    );
    for (const { seed, a, b } of answers) {
      const stored = new Uint8Array(await readFile(path.join(dataDir, "objects", key(seed))));
      expect([seed, bytesEqual(a.bytes, stored), bytesEqual(b.bytes, stored)]).toEqual([seed, true, true]);
      expect(b.etag).toBe(a.etag);
    }
    // Both routers computed, and the losers served what the winners stored.
    const computed = answers.flatMap(({ a, b }) => [a, b]).filter((x) => x.source === "computed").length;
    const races = await Promise.all(
      [wasmRouter, gpuRouter].map(async (r: Router) =>
        metricValue(await (await (r.fetch ?? fetch)(`${r.url}/metrics`)).text(), "biflow_store_write_races_total"),
      ),
    );
    expect(seeds.length).toBeGreaterThan(1);
    expect(computed).toBe(seeds.length);
    expect(races.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
  });
});
