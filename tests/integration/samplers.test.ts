// sampler=exact and sampler=jacobi through the API of a real router process (the Node
// engine's worker threads) and a real GPU backend process: canonical URLs and keys of their
// own, the images against the test's own decoding on onnxruntime-node, the iterations a
// Jacobi sample ran (header and JSON), budgets weighed by sampler cost, and routing that
// never sends a sampler to a backend that did not announce it.

import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ortStepRunner } from "../../engine/onnx/step-runner.js";
import { exactInverse } from "../../src/flow/exact.js";
import { exactDecoding } from "../../src/flow/step.js";
import { parseManifest, type ModelManifest } from "../../src/models/manifest.js";
import { fillStandardNormal } from "../../src/noise/gaussian.js";
import { decodePng } from "../../src/png/decode.js";
import { toByte } from "../../src/png/tensor.js";
import { BACKEND_SECRET, startBackend } from "../helpers/backend.js";
import { FIXTURE_MODELS_DIR, ROOT } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";

type Proc = Running & { url: string };
const MODEL = "fmnist-biflow-s";
let modelsDir = "";
let dataDir = "";
let manifest: ModelManifest;
let router: Proc;

beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(tmpdir(), "biflow-samplers-models-"));
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-samplers-data-"));
  await cp(path.join(ROOT, "models", MODEL), path.join(modelsDir, MODEL), { recursive: true });
  await cp(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"), path.join(modelsDir, "tiny-biflow"), { recursive: true });
  manifest = parseManifest(JSON.parse(await readFile(path.join(modelsDir, MODEL, "manifest.json"), "utf8")), MODEL);
  router = await startRouter({ MODELS_DIR: modelsDir, DATA_DIR: dataDir, S3_ENDPOINT: "" });
});

afterAll(async () => {
  await router.stop("SIGKILL");
  await rm(modelsDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const w = () => manifest.guidance.default.toFixed(2);
const url = (seed: number, extra = "", cls = "sneaker") =>
  `/v1/samples/${MODEL}@${manifest.version}/${cls}/${seed}.png?guidance=${w()}${extra}`;

async function png(base: string, path: string) {
  const res = await fetch(`${base}${path}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, pixels: (await decodePng(new Uint8Array(await res.arrayBuffer()))).pixels };
}

/** The exact inverse computed here, independently of the router process, as bytes. */
async function exactHere(seed: number, classIndex: number): Promise<Uint8Array> {
  const dec = exactDecoding(manifest);
  if (dec === undefined) throw new Error("no decode_step");
  const session = await ort.InferenceSession.create(path.join(modelsDir, MODEL, "decode_step.onnx"));
  const z = new Float32Array(784);
  fillStandardNormal(z, seed, 0, 784);
  const x = await exactInverse(
    ortStepRunner(session),
    { z, classes: [classIndex], guidance: [Number(w())], nullClass: manifest.null_class, image: manifest.image },
    dec,
  );
  return Uint8Array.from(x, toByte);
}

const maxDiff = (a: Uint8Array, b: Uint8Array) => Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] ?? 0))));

describe("sampler=exact and sampler=jacobi on the Node router (engine)", () => {
  it("serves F's exact inverse on its own canonical URL and key; it is not G's image", async () => {
    const exact = await png(router.url, url(42, "&sampler=exact"));
    expect(exact.res.headers.get("x-sample-key")).toBe(
      `samples/v1/${MODEL}/${manifest.version}/7/g${w()}/exact/42.png`,
    );
    expect(exact.res.headers.get("x-sampler")).toBe("engine");
    expect(exact.res.headers.get("cache-control")).toContain("immutable");
    expect(maxDiff(exact.pixels, await exactHere(42, 7))).toBeLessThanOrEqual(1);
    const g = await png(router.url, url(42));
    expect(g.res.headers.get("x-sample-key")).toBe(`samples/v1/${MODEL}/${manifest.version}/7/g${w()}/42.png`);
    expect(maxDiff(exact.pixels, g.pixels)).toBeGreaterThan(32);
  });

  it("redirects a non-canonical spelling to the canonical exact URL", async () => {
    const res = await fetch(`${router.url}/v1/samples/${MODEL}/7/42.png?sampler=exact`, { redirect: "manual" });
    expect([res.status, res.headers.get("location")]).toEqual([302, url(42, "&sampler=exact")]);
  });

  it("with iterations = tokens, Jacobi decoding equals the exact PNG within 2/255 and says so", async () => {
    const tokens = 49;
    const jacobi = await png(router.url, url(42, `&sampler=jacobi&iterations=${tokens}`));
    const exact = await png(router.url, url(42, "&sampler=exact"));
    expect(maxDiff(jacobi.pixels, exact.pixels)).toBeLessThanOrEqual(2);
    const blocks = exactDecoding(manifest)?.decoding.blocks ?? 0;
    expect(jacobi.res.headers.get("x-jacobi-iterations")).toBe(new Array(blocks).fill(tokens).join(","));
    expect(jacobi.res.headers.get("x-sample-key")).toContain(`/jacobi-k${tokens}/42.png`);
  });

  it("POST /v1/samples with sampler=jacobi: the default schedule, canonical URLs, the iterations each image ran", async () => {
    const res = await fetch(`${router.url}/v1/samples`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, n: 2, class: "bag", seed: 9, sampler: "jacobi", tolerance: 0.01 }),
    });
    const body = (await res.json()) as {
      sampler: string;
      iterations: number[];
      tolerance: number;
      samples: { url: string; key: string; iterations_run: number[] | null }[];
    };
    expect(res.status, JSON.stringify(body)).toBe(200);
    const schedule = (manifest["jacobi"] as { default_iterations: number[] }).default_iterations;
    expect([body.sampler, body.iterations, body.tolerance]).toEqual(["jacobi", schedule, 0.01]);
    for (const s of body.samples) {
      expect(s.url).toContain(`&sampler=jacobi&iterations=${schedule.join(",")}&tolerance=0.01`);
      expect(s.key).toContain(`/jacobi-k${schedule.join("_")}-t0.01/`);
      const ran = s.iterations_run ?? [];
      expect(ran).toHaveLength(schedule.length);
      for (const [b, k] of ran.entries()) {
        expect(k).toBeGreaterThanOrEqual(1);
        expect(k).toBeLessThanOrEqual(schedule[b] ?? 0);
      }
      // The same figure from the stored PNG, on its canonical URL.
      const again = await fetch(s.url);
      expect(again.headers.get("x-jacobi-iterations")).toBe(ran.join(","));
    }
  });

  it("refuses a sampler a model cannot run, naming the parameter", async () => {
    const res = await fetch(`${router.url}/v1/samples/tiny-biflow/0/1.png?guidance=1.00&sampler=exact`);
    const body = (await res.json()) as { error: { type: string; param: string; message: string } };
    expect([res.status, body.error.type, body.error.param]).toEqual([400, "invalid_request", "sampler"]);
    expect(body.error.message).toMatch(/available: g/);
  });
});

describe("image budgets weigh a sample by its sampler's cost", () => {
  let limited: Proc;
  beforeAll(async () => {
    limited = await startRouter({
      MODELS_DIR: modelsDir,
      DATA_DIR: await mkdtemp(path.join(tmpdir(), "biflow-samplers-limited-")),
      S3_ENDPOINT: "",
      RATE_LIMIT_IMAGES_PER_MINUTE: "40",
    });
  });
  afterAll(async () => {
    await limited.stop("SIGKILL");
  });

  it("charges an exact image 36 G images: one fits a budget of 40, a second does not, G still does", async () => {
    expect((await fetch(`${limited.url}${url(100, "&sampler=exact")}`)).status).toBe(200);
    expect((await fetch(`${limited.url}${url(101)}`)).status).toBe(200);
    const refused = await fetch(`${limited.url}${url(102, "&sampler=exact")}`);
    expect(refused.status).toBe(429);
    expect((await fetch(`${limited.url}${url(103)}`)).status).toBe(200);
  });
});

/** A backend older than contract 2: announces G only, and answers 400 to a sampler, as it would. */
function oldBackend(): Promise<{ server: Server; url: string; generates: unknown[] }> {
  const generates: unknown[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/v1/handshake") {
        res.end(
          JSON.stringify({
            status: "ready",
            contract: 1,
            models: [{ id: MODEL, version: manifest.version, execution_provider: "cpu" }],
          }),
        );
        return;
      }
      generates.push(JSON.parse(body || "{}"));
      res.statusCode = 400;
      res.end(JSON.stringify({ error: { type: "invalid_request", message: "unknown field sampler", param: null } }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, generates }),
    ),
  );
}

describe("the GPU backend pool routes a sampler only to backends that announce it", () => {
  let backend: Proc;
  let old: Awaited<ReturnType<typeof oldBackend>>;
  let pooled: Proc;
  let onlyOld: Proc;
  const routerWith = async (urls: string[]) =>
    startRouter({
      MODELS_DIR: modelsDir,
      DATA_DIR: await mkdtemp(path.join(tmpdir(), "biflow-samplers-pool-")),
      S3_ENDPOINT: "",
      GPU_BACKEND_URLS: urls.join(","),
      BACKEND_SECRET,
      EDGE_MAX_BATCH: "0",
      POOL_HEALTH_INTERVAL_MS: "100",
    });

  beforeAll(async () => {
    [backend, old] = await Promise.all([startBackend({ MODELS_DIR: modelsDir }), oldBackend()]);
    [pooled, onlyOld] = await Promise.all([routerWith([backend.url, old.url]), routerWith([old.url])]);
    // Let the first health checks land.
    for (const r of [pooled, onlyOld]) {
      for (let i = 0; i < 50 && !(await fetch(`${r.url}/health/ready`)).ok; i++)
        await new Promise((ok) => setTimeout(ok, 100));
    }
  });
  afterAll(async () => {
    await Promise.all([backend.stop("SIGKILL"), pooled.stop("SIGKILL"), onlyOld.stop("SIGKILL")]);
    old.server.close();
  });

  it("announces its samplers in its readiness answer", async () => {
    const ready = (await (await fetch(`${backend.url}/health/ready`)).json()) as {
      contracts: number[];
      models: { id: string; samplers: string[] }[];
    };
    expect(ready.contracts).toEqual([1, 2, 3]);
    expect(ready.models.find((m) => m.id === MODEL)?.samplers).toEqual(["g", "exact", "jacobi"]);
  });

  it("sends exact and jacobi to the backend that runs them (the same pixels), never to the older one", async () => {
    const exact = await png(pooled.url, url(77, "&sampler=exact", "bag"));
    expect(exact.res.headers.get("x-sampler")).toBe("gpu-pool");
    expect(maxDiff(exact.pixels, await exactHere(77, 8))).toBeLessThanOrEqual(1);
    const jacobi = await png(pooled.url, url(77, "&sampler=jacobi&iterations=2", "bag"));
    expect(jacobi.res.headers.get("x-sampler")).toBe("gpu-pool");
    expect(jacobi.res.headers.get("x-jacobi-iterations")).toBe("2,2,2,2,2,2,2,2");
    expect(old.generates).toEqual([]);
  });

  it("with only an older backend, an exact request runs in-process instead: never a 500", async () => {
    const res = await fetch(`${onlyOld.url}${url(78, "&sampler=exact")}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sampler")).toBe("engine");
    expect(old.generates).toEqual([]);
  });
});
