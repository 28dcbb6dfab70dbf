// The edits through the GPU pool (contract 3): a router whose GPU_BACKEND_URLS is a real
// backend process (CPU provider) over the trained model sends the decodes of class edits and
// inpaintings to it as noise, and the answers agree with the WASM encoder and decoder in this
// process (onnxruntime-web) within the tolerances the Node engine meets; F's exact inverse
// under the image's own class still gives the image back. The backend refuses malformed
// contract 3 requests by name.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { noiseToWire } from "../../src/contract/noise-wire.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmDecoder } from "../../src/onnx/wasm-decoder.js";
import { WasmEncoder } from "../../src/onnx/wasm-encoder.js";
import { encodePng } from "../../src/png/encode.js";
import { BACKEND_SECRET, generateBody, metricValue, signedInit, startBackend } from "../helpers/backend.js";
import { fixtureRegistry, makeTestApp, ROOT, type TestApp } from "../helpers/fixtures.js";
import { readPngWithZlib } from "../helpers/png-zlib.js";
import { startRouter, type Running } from "../helpers/processes.js";

type Proc = Running & { url: string };
let backend: Proc;
let router: Proc;
let wasm: TestApp;
let dataDir: string;
let dress: Uint8Array;
const MODELS = path.join(ROOT, "models");
const MODEL = "fmnist-biflow-s";

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-edits-pool-"));
  backend = await startBackend({ MODELS_DIR: MODELS, MAX_DELAY_MS: "5", S3_ENDPOINT: "" });
  router = await startRouter({
    MODELS_DIR: MODELS,
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: backend.url,
    BACKEND_SECRET,
    POOL_HEALTH_INTERVAL_MS: "100",
  });
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  wasm = await makeTestApp({
    registry: await fixtureRegistry(MODELS),
    encoders: [new WasmEncoder(runtime)],
    decoders: [new WasmDecoder(runtime)],
  });
  dress = new Uint8Array(await (await fetch(`${router.url}/v1/samples/${MODEL}/dress/8.png`)).arrayBuffer());
});
afterAll(async () => {
  await router.stop("SIGKILL");
  await backend.stop("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

const backendImages = async () =>
  metricValue(await (await fetch(`${backend.url}/metrics`)).text(), `biflow_backend_images_total{model="${MODEL}"}`);

const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);

async function both(pathAndQuery: string, init: () => RequestInit) {
  const viaPool = await fetch(`${router.url}${pathAndQuery}`, init());
  const local = await wasm.app.request(pathAndQuery, init());
  expect(viaPool.status, await viaPool.clone().text()).toBe(200);
  expect(local.status).toBe(200);
  return {
    sampler: viaPool.headers.get("x-sampler"),
    pool: readPngWithZlib(new Uint8Array(await viaPool.arrayBuffer())).pixels,
    wasm: readPngWithZlib(new Uint8Array(await local.arrayBuffer())).pixels,
  };
}

const png = (body: Uint8Array) => () => ({
  method: "POST",
  headers: { "content-type": "image/png" },
  body: new Blob([body.slice()]),
});

describe("edits through the GPU pool", () => {
  it("decodes a class edit on the backend, within 2/255 of onnxruntime-web", async () => {
    const before = await backendImages();
    const edit = await both(`/v1/class-edits?model=${MODEL}&class=dress&to=bag`, png(dress));
    expect(edit.sampler).toBe("gpu-pool");
    expect(await backendImages()).toBe(before + 1);
    expect(maxDiff(edit.pool, edit.wasm)).toBeLessThanOrEqual(2);
    expect(maxDiff(edit.pool, readPngWithZlib(dress).pixels)).toBeGreaterThan(64);
  });

  it("runs F's exact inverse there: the image back under its own class at guidance 0", async () => {
    const res = await fetch(
      `${router.url}/v1/class-edits?model=${MODEL}&class=dress&to=dress&guidance=0&sampler=exact`,
      png(dress)(),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sampler")).toBe("gpu-pool");
    const back = readPngWithZlib(new Uint8Array(await res.arrayBuffer())).pixels;
    expect(maxDiff(back, readPngWithZlib(dress).pixels)).toBeLessThanOrEqual(2);
  });

  it("inpaints on the backend: kept bytes exact, filled ones as the engine's tolerance", async () => {
    const mask = await encodePng({
      width: 28,
      height: 28,
      channels: 1,
      pixels: Uint8Array.from({ length: 784 }, (_, p) => (p >= 392 ? 255 : 0)),
    });
    const before = await backendImages();
    const form = () => {
      const body = new FormData();
      body.append("image", new Blob([dress.slice()]), "dress.png");
      body.append("mask", new Blob([mask.slice()]), "mask.png");
      return { method: "POST", body };
    };
    const filled = await both(`/v1/inpaintings?model=${MODEL}&class=dress&seed=5&steps=4`, form);
    expect(filled.sampler).toBe("gpu-pool");
    expect(await backendImages()).toBe(before + 5); // the first fill and one G pass per step
    const source = readPngWithZlib(dress).pixels;
    expect(filled.pool.subarray(0, 392)).toEqual(source.subarray(0, 392));
    expect(maxDiff(filled.pool, filled.wasm)).toBeLessThanOrEqual(16);
  });

  it("refuses contract 3 requests that break it, naming the field", async () => {
    const noise = noiseToWire(new Float32Array(2 * 784));
    const base = { model: MODEL, class: 3, guidance: 0.5, seeds: [0, 1] };
    const manifestVersion = (await (await fetch(`${backend.url}/health/ready`)).json()) as {
      models: { id: string; version: string }[];
      contracts: number[];
    };
    expect(manifestVersion.contracts).toContain(3);
    const version = manifestVersion.models.find((m) => m.id === MODEL)?.version ?? "";
    const cases: [Record<string, unknown>, string][] = [
      [{ contract: 3, noise: noiseToWire(new Float32Array(784)) }, "noise"],
      [{ contract: 3, noise: "not base64!" }, "noise"],
      [{ contract: 3, noise: noiseToWire(new Float32Array(2 * 784).fill(Number.NaN)) }, "noise"],
      [{ contract: 3, noise, output: "s3" }, "output"],
      [{ contract: 1, noise }, "noise"],
      [{ contract: 3 }, "noise"],
    ];
    for (const [overrides, param] of cases) {
      const body = generateBody({ ...base, version, ...overrides });
      const res = await fetch(`${backend.url}/v1/generate`, await signedInit(body));
      expect(res.status, JSON.stringify(overrides).slice(0, 80)).toBe(400);
      const json = (await res.json()) as { error: { param?: string; message: string } };
      expect(`${json.error.param ?? ""} ${json.error.message}`, param).toContain(param);
    }
  });
});
