// A router with two real backends (CPU provider) and the test s3rver: the backend's images
// match the WASM sampler's within 2/255, the router serves the whole API through the pool
// (backends upload, the router skips its own put), killing one backend mid-run leaves
// every client request answered correctly, and with no backend left edge models fall back
// to WASM while GPU-only models get 503 with Retry-After.

import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { fromBase64 } from "../../src/bytes.js";
import { GenerateResponseSchema } from "../../src/contract/backend-v1.js";
import { scanModelsDir } from "../../engine/models-dir.js";
import { silentLogger } from "../../src/logger.js";
import type { ModelEntry, ModelRegistry } from "../../src/models/registry.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmSampler } from "../../src/onnx/wasm-sampler.js";
import { decodePng } from "../../src/png/decode.js";
import { BACKEND_SECRET, generateBody, metricValue, signedInit, startBackend } from "../helpers/backend.js";
import { FIXTURE_MODELS_DIR, ROOT, fixtureRegistry } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { objectBytes, testS3Client } from "../helpers/s3.js";
import { BUCKET, S3RVER_CREDENTIALS, routerEnv } from "./global-setup.js";

type Proc = Running & { url: string };
let backends: Proc[] = [];
let router: Proc;
let routerModels: string;
let registry: ModelRegistry;
const s3 = testS3Client(inject("s3Endpoint"), S3RVER_CREDENTIALS);

beforeAll(async () => {
  registry = await fixtureRegistry();
  const s3Env = routerEnv(inject("s3Endpoint"));
  backends = await Promise.all(
    [0, 1].map(() => startBackend({ ...s3Env, MODELS_DIR: FIXTURE_MODELS_DIR, MAX_DELAY_MS: "10" })),
  );
  // The router knows the fixture models and the GPU-only slow model (which no backend here serves).
  routerModels = await mkdtemp(path.join(tmpdir(), "biflow-router-models-"));
  for (const [name, from] of [
    ["tiny-biflow", FIXTURE_MODELS_DIR],
    ["tiny-rgb", FIXTURE_MODELS_DIR],
    ["slow-biflow", path.join(ROOT, "tests/fixtures/slow-models")],
  ] as const) {
    await cp(path.join(from, name), path.join(routerModels, name), { recursive: true });
  }
  router = await startRouter({
    ...s3Env,
    MODELS_DIR: routerModels,
    GPU_BACKEND_URLS: backends.map((b) => b.url).join(","),
    BACKEND_SECRET,
    GPU_BACKEND_UPLOADS: "true",
    // Every batch goes to the pool while a backend is healthy.
    EDGE_MAX_BATCH: "0",
    POOL_HEALTH_INTERVAL_MS: "100",
    CACHE_MAX_BYTES: "0",
    RETRY_AFTER_SECONDS: "4",
  });
});

afterAll(async () => {
  await Promise.all([router, ...backends].map((p) => p.stop("SIGKILL")));
  await rm(routerModels, { recursive: true, force: true });
});

async function routerMetrics(): Promise<string> {
  return (await fetch(`${router.url}/metrics`)).text();
}

async function s3Bytes(key: string): Promise<Uint8Array> {
  return (await objectBytes(s3, BUCKET, key)).bytes;
}

interface Sample {
  seed: number;
  url: string;
  key: string;
  source: string;
}

async function post(
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${router.url}/v1/samples`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

interface Case {
  class: number | null;
  seed: number;
  guidance: number;
}

/** The largest per-pixel difference between the backend's and the WASM sampler's PNGs. */
async function maxPixelDiff(wasm: WasmSampler, backendUrl: string, model: ModelEntry, c: Case): Promise<number> {
  const { id, version } = model.manifest;
  const seeds = [c.seed, (c.seed + 1) % 2 ** 32];
  const body = generateBody({ model: id, version, class: c.class, guidance: c.guidance, seeds });
  const res = await fetch(`${backendUrl}/v1/generate`, await signedInit(body));
  expect(res.status).toBe(200);
  const answer = GenerateResponseSchema.parse(await res.json());
  const local = await wasm.sample({
    model,
    classInput: c.class ?? model.manifest.null_class,
    seeds,
    guidance: c.guidance,
  });
  let worst = 0;
  for (const [i, sample] of answer.samples.entries()) {
    const ours = await decodePng(fromBase64(sample.png ?? ""));
    const theirs = await decodePng(local[i]?.png ?? new Uint8Array(0));
    expect([ours.width, ours.height, ours.channels]).toEqual([theirs.width, theirs.height, theirs.channels]);
    worst = ours.pixels.reduce((m, v, p) => Math.max(m, Math.abs(v - (theirs.pixels[p] ?? -255))), worst);
  }
  return worst;
}

describe("determinism across runtimes", () => {
  const cases: Case[] = [
    { class: 0, seed: 0, guidance: 1 },
    { class: null, seed: 4294967295, guidance: 0 },
    { class: 2, seed: 123456789, guidance: 2.5 },
  ];

  it("gives the WASM sampler's images within 2/255 per pixel (fixture models)", async () => {
    const wasm = new WasmSampler({ runtime: new OrtRuntime({ wasm: nodeWasmLoading() }) });
    const backend = backends[1];
    if (backend === undefined) throw new Error("no backend");
    for (const model of registry.list()) {
      for (const c of cases) {
        expect(
          await maxPixelDiff(wasm, backend.url, model, c),
          `${model.ref} ${JSON.stringify(c)}`,
        ).toBeLessThanOrEqual(2);
      }
    }
  });

  it("gives the WASM sampler's images within 2/255 per pixel (the trained models in models/)", async () => {
    const { registry: trained } = await scanModelsDir(path.join(ROOT, "models"), silentLogger);
    const models = trained.list().filter((m) => m.manifest.placements.includes("gpu"));
    expect(models.length).toBeGreaterThan(0);
    const backend = await startBackend({ MODELS_DIR: path.join(ROOT, "models") });
    try {
      const wasm = new WasmSampler({ runtime: new OrtRuntime({ wasm: nodeWasmLoading() }) });
      for (const model of models) {
        for (const c of cases) {
          const diff = await maxPixelDiff(wasm, backend.url, model, c);
          expect(diff, `${model.ref} ${JSON.stringify(c)}`).toBeLessThanOrEqual(2);
        }
      }
    } finally {
      await backend.stop("SIGTERM");
    }
  });
});

describe("a router over two backends", () => {
  it("serves samples through the pool; the backends write S3 and the router serves the same bytes", async () => {
    const res = await post({ model: "tiny-biflow", n: 3, class: "bag", seed: 31000, guidance: 0.5 });
    expect(res.status).toBe(200);
    const samples = (res.json as { samples: Sample[] }).samples;
    for (const s of samples) {
      expect(s.source).toBe("computed");
      expect(s.key).toBe(`samples/v1/tiny-biflow/0.0.1-fixture/8/g0.50/${s.seed}.png`);
      const stored = await s3Bytes(s.key);
      const get = await fetch(s.url);
      expect(get.status).toBe(200);
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(stored);
    }
    const metrics = await routerMetrics();
    expect(metrics).toMatch(/biflow_sampler_calls_total\{sampler="gpu-pool",model="tiny-biflow",outcome="ok"\} [1-9]/);
    expect(metrics).toContain("biflow_pool_backend_up{");
    for (const b of backends) expect(metrics).not.toContain(new URL(b.url).host);
  });

  it("forwards the client's X-Request-Id: the backend that computed logs it on its access-log line", async () => {
    const id = "trace-9-pool_0001";
    const res = await post({ model: "tiny-biflow", n: 2, class: 3, seed: 33000, guidance: 2 }, { "x-request-id": id });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(id);
    const lines = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith("{") && l.includes(id))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines(await router.outputMatching(new RegExp(`"request_id":"${id}"`)))).toContainEqual(
      expect.objectContaining({ message: "request", route: "/v1/samples", status: 200, request_id: id }),
    );
    // Exactly one backend ran the batch (the router sends it once when nothing fails).
    await Promise.any(backends.map((b) => b.outputMatching(new RegExp(`"request_id":"${id}"`))));
    const logged = backends.flatMap((b) => lines(b.output()));
    expect(logged).toEqual([
      expect.objectContaining({
        message: "request",
        method: "POST",
        route: "/v1/generate",
        status: 200,
        request_id: id,
      }),
    ]);
  });

  it("answers every client request correctly while one backend is killed mid-run", async () => {
    const [victim, survivor] = backends;
    if (victim === undefined || survivor === undefined) throw new Error("no backends");
    // Metrics name a backend by its index in GPU_BACKEND_URLS, never by host (issue 9).
    const label = (b: Proc) => String(backends.indexOf(b));
    let next = 40_000;
    let answered = 0;
    const failures: string[] = [];
    const keys: string[] = [];
    const client = async (stopAt: () => boolean) => {
      while (!stopAt()) {
        const seed = next;
        next += 2;
        const res = await post({ model: "tiny-biflow", n: 2, class: seed % 10, seed, guidance: 1 });
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(res.json)}`);
        else keys.push(...(res.json as { samples: Sample[] }).samples.map((s) => s.key));
        answered += 1;
      }
    };
    let killed = false;
    const killAfter = 30;
    const clients = Array.from({ length: 6 }, () => client(() => killed && answered >= killAfter * 2));
    // Kill one backend once requests are flowing to both (no sleeping: it is a request count).
    while (answered < killAfter) await new Promise((resolve) => setImmediate(resolve));
    const before = await routerMetrics();
    expect(metricValue(before, `biflow_pool_attempts_total{backend="${label(victim)}",outcome="ok"}`)).toBeGreaterThan(
      0,
    );
    expect(
      metricValue(before, `biflow_pool_attempts_total{backend="${label(survivor)}",outcome="ok"}`),
    ).toBeGreaterThan(0);
    await victim.stop("SIGKILL");
    killed = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThanOrEqual(killAfter * 2);
    // Requests caught on the dead backend were retried on the other one, invisibly.
    const after = await routerMetrics();
    expect(metricValue(after, "biflow_pool_retries_total")).toBeGreaterThan(0);
    expect(
      metricValue(after, `biflow_pool_attempts_total{backend="${label(victim)}",outcome="connection_error"}`),
    ).toBeGreaterThan(0);
    // Every answered sample is a valid PNG in the bucket.
    for (const key of keys.slice(-8)) expect((await decodePng(await s3Bytes(key))).width).toBe(28);
    const health = (await (await fetch(`${router.url}/health/ready`)).json()) as {
      checks: Record<string, { detail: string }>;
    };
    expect(health.checks["sampler:gpu-pool"]?.detail).toMatch(/^1\/2 backends up/);
  });

  it("falls back to WASM for edge models with no backend left, and answers 503 for GPU-only models", async () => {
    const survivor = backends[1];
    if (survivor === undefined) throw new Error("no backend");
    await survivor.stop("SIGKILL");
    // Wait (by polling, not sleeping) until the router's health checks see no backend.
    for (let i = 0; i < 1000; i++) {
      const ready = (await (await fetch(`${router.url}/health/ready`)).json()) as {
        checks: Record<string, { detail: string }>;
      };
      if (ready.checks["sampler:gpu-pool"]?.detail.startsWith("0/2")) break;
    }
    const edge = await post({ model: "tiny-biflow", n: 2, seed: 77_000 });
    expect(edge.status).toBe(200);
    const metrics = await routerMetrics();
    expect(metrics).toMatch(/biflow_sampler_calls_total\{sampler="engine",model="tiny-biflow",outcome="ok"\} [1-9]/);
    const gpuOnly = await post({ model: "slow-biflow", n: 1, seed: 1 });
    expect(gpuOnly.status).toBe(503);
    expect(gpuOnly.headers.get("retry-after")).toBe("4");
    expect((gpuOnly.json as { error: { type: string } }).error.type).toBe("sampler_unavailable");
  });
});
