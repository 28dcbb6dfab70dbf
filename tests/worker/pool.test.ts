// The Worker's GPU backend pool inside workerd, against real backend processes on loopback
// (tests/worker-setup/pool-processes.ts): batches above EDGE_MAX_BATCH and the GPU-only
// fixture go to a backend (its own metrics count them), images match the Node router's
// within 2/255, uploads through S3 when GPU_BACKEND_UPLOADS=true, a wrong secret is 503
// (never 500), and a backend killed mid-burst fails over to the other with no failed
// request, then edge models to WASM once none is left.

import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { JobMessage } from "../../src/jobs/queue.js";
import { decodePng } from "../../src/png/decode.js";
import type { Env } from "../../workers/env.js";
import { createWorker } from "../../workers/handler.js";
import { ORIGIN } from "./helpers.js";
import { bundledModels as edgeFixtures } from "./pool/edge-fixtures.generated.js";
import { bundledModels as gpuFixtures } from "./pool/gpu-fixtures.generated.js";

const backends = inject("poolBackends");
const control = inject("poolControl");
const worker = createWorker([...edgeFixtures, ...gpuFixtures]);

/** One env object per configuration: the Worker builds its app once per env. */
const poolEnv: Env = {
  ...env,
  GPU_BACKEND_URLS: backends.join(","),
  BACKEND_SECRET: inject("poolSecret"),
  EDGE_MAX_BATCH: "2",
  POOL_HEALTH_INTERVAL_MS: "200",
  RETRY_AFTER_SECONDS: "4",
  CACHE_MAX_BYTES: "0",
};
const uploadEnv: Env = { ...poolEnv, GPU_BACKEND_UPLOADS: "true" };
const wrongSecretEnv: Env = { ...poolEnv, BACKEND_SECRET: "not-the-backends-secret-0123456789abcdef" };

async function call(e: Env, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ORIGIN}${path}`, init), e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

interface Sample {
  seed: number;
  url: string;
  key: string;
  source: string;
  sampler: string | null;
}

async function post(e: Env, body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await call(e, "/v1/samples", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

function samplesOf(json: unknown): Sample[] {
  return (json as { samples: Sample[] }).samples;
}

/** Images a backend generated for `model`, from its own /metrics (0 once it is gone). */
async function backendImages(model: string): Promise<number> {
  let total = 0;
  for (const url of backends) {
    const text = await fetch(`${url}/metrics`)
      .then((r) => r.text())
      .catch(() => "");
    const line = text.split("\n").find((l) => l.startsWith(`biflow_backend_images_total{model="${model}"} `));
    total += line === undefined ? 0 : Number(line.split(" ")[1]);
  }
  return total;
}

async function maxPixelDiff(a: Uint8Array, b: Uint8Array): Promise<number> {
  const x = await decodePng(a);
  const y = await decodePng(b);
  expect([x.width, x.height, x.channels]).toEqual([y.width, y.height, y.channels]);
  return x.pixels.reduce((m, v, i) => Math.max(m, Math.abs(v - (y.pixels[i] ?? -255))), 0);
}

describe("the Worker's GPU pool (workerd, real backends on loopback)", () => {
  it("computes a batch above EDGE_MAX_BATCH on a backend and stores it in R2 under the Worker's keys", async () => {
    const before = await backendImages("tiny-biflow");
    const res = await post(poolEnv, { model: "tiny-biflow", n: 4, class: 3, seed: 91_000, guidance: 1 });
    expect(res.status).toBe(200);
    const samples = samplesOf(res.json);
    expect(samples.map((s) => [s.source, s.sampler])).toEqual(Array(4).fill(["computed", "gpu-pool"]));
    expect(await backendImages("tiny-biflow")).toBe(before + 4);
    for (const s of samples) {
      expect(s.key).toBe(`samples/v1/tiny-biflow/0.0.1-fixture/3/g1.00/${s.seed}.png`);
      const stored = await env.SAMPLES.get(s.key);
      if (stored === null) throw new Error(`${s.key} is not in R2`);
      const served = await call(poolEnv, s.url.slice(ORIGIN.length));
      expect(served.headers.get("x-sample-source")).toBe("store");
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(new Uint8Array(await stored.arrayBuffer()));
    }
  });

  it("keeps a batch within EDGE_MAX_BATCH on WASM in the isolate", async () => {
    const before = await backendImages("tiny-biflow");
    const res = await post(poolEnv, { model: "tiny-biflow", n: 2, seed: 92_000 });
    expect(samplesOf(res.json).map((s) => s.sampler)).toEqual(["wasm", "wasm"]);
    expect(await backendImages("tiny-biflow")).toBe(before);
  });

  it("serves the GPU-only fixture through the pool; the Worker bundles none of its files", async () => {
    expect(gpuFixtures.map((m) => [m.folder, Object.keys(m.files), m.r2Files])).toEqual([["tiny-gpu", [], []]]);
    const before = await backendImages("tiny-gpu");
    const res = await call(poolEnv, "/v1/samples/tiny-gpu@0.0.1-fixture/sneaker/77.png?guidance=1.00");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sampler")).toBe("gpu-pool");
    expect((await decodePng(new Uint8Array(await res.arrayBuffer()))).width).toBe(28);
    expect(await backendImages("tiny-gpu")).toBe(before + 1);
  });

  it("gives the Node router's images within 2/255 per pixel", async () => {
    for (const [cls, seed, guidance] of [
      [0, 0, 0.5],
      [null, 4_294_967_290, 0],
      [9, 123_456_789, 3],
    ] as const) {
      const res = await post(poolEnv, { model: "tiny-biflow", n: 3, class: cls, seed, guidance });
      expect(res.status).toBe(200);
      for (const s of samplesOf(res.json)) {
        expect(s.sampler).toBe("gpu-pool");
        const ours = await env.SAMPLES.get(s.key);
        if (ours === null) throw new Error(`${s.key} is not in R2`);
        const path = new URL(s.url).pathname + new URL(s.url).search;
        const node = await fetch(`${inject("nodeRouter")}${path}`);
        expect(node.status).toBe(200);
        const diff = await maxPixelDiff(
          new Uint8Array(await ours.arrayBuffer()),
          new Uint8Array(await node.arrayBuffer()),
        );
        expect(diff, s.url).toBeLessThanOrEqual(2);
      }
    }
  });

  it("with GPU_BACKEND_UPLOADS=true the backend writes the bucket (S3 API) under the Worker's key; the Worker skips its put", async () => {
    const res = await post(uploadEnv, { model: "tiny-gpu", n: 2, class: 1, seed: 93_000, guidance: 2 });
    expect(res.status).toBe(200);
    for (const s of samplesOf(res.json)) {
      expect(s.key).toBe(`samples/v1/tiny-gpu/0.0.1-fixture/1/g2.00/${s.seed}.png`);
      expect(await env.SAMPLES.head(s.key)).toBeNull();
      const uploaded = await fetch(`${control}/s3/${encodeURIComponent(s.key)}`);
      expect(uploaded.status).toBe(200);
      expect(uploaded.headers.get("content-type")).toBe("image/png");
      // Deterministic: the Worker computes the same bytes again for its on-demand URL.
      const served = await call(uploadEnv, s.url.slice(ORIGIN.length));
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(new Uint8Array(await uploaded.arrayBuffer()));
    }
  });

  it("answers 503 sampler_unavailable (never 500) with a wrong BACKEND_SECRET; edge models fall back to WASM", async () => {
    const gpuOnly = await post(wrongSecretEnv, { model: "tiny-gpu", n: 1, seed: 94_000 });
    expect(gpuOnly.status).toBe(503);
    expect((gpuOnly.json as { error: { type: string } }).error.type).toBe("sampler_unavailable");
    expect(gpuOnly.headers.get("retry-after")).toBe("4");
    const edge = await post(wrongSecretEnv, { model: "tiny-biflow", n: 4, seed: 94_100 });
    expect(edge.status).toBe(200);
    expect(samplesOf(edge.json).map((s) => s.sampler)).toEqual(Array(4).fill("wasm"));
  });

  it("forwards a batch job's chunks from the queue consumer to a backend, like sample requests", async () => {
    // This env's producer keeps what the Worker sends; the test hands each message to the
    // Worker's queue() handler as the Queue would (the real local Queue: tests/worker/jobs.test.ts).
    const sent: JobMessage[] = [];
    const producer = {
      send: (body: JobMessage) => {
        sent.push(body);
        return Promise.resolve();
      },
    };
    const jobsEnv: Env = { ...poolEnv, JOBS_QUEUE: producer as unknown as Queue<JobMessage> };
    const before = await backendImages("tiny-biflow");
    const created = await call(jobsEnv, "/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny-biflow", class: 5, count: 20, seed: 95_000, guidance: 1 }),
    });
    expect(created.status).toBe(202);
    const { id } = await created.json<{ id: string }>();
    let delivered = 0;
    for (let body = sent.shift(); body !== undefined; body = sent.shift()) {
      expect(++delivered).toBeLessThan(10);
      const batch = createMessageBatch<JobMessage>("biflow-jobs", [
        { id: `m${delivered}`, timestamp: new Date(), attempts: 1, body },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, jobsEnv, ctx);
      // Typed as workers-types' FetcherQueueResult, which the lint's type view does not resolve.
      const result = (await getQueueResult(batch, ctx)) as unknown as { explicitAcks: string[] };
      expect(result.explicitAcks).toEqual([`m${delivered}`]);
    }
    // One chunk of 20 (above EDGE_MAX_BATCH), then the results: two steps.
    expect(delivered).toBe(2);
    const status = await (await call(jobsEnv, `/v1/jobs/${id}`)).json<{ state: string; images_computed: number }>();
    expect(status).toMatchObject({ state: "succeeded", images_computed: 20 });
    expect(await backendImages("tiny-biflow")).toBe(before + 20);
    const manifest = (await (await call(jobsEnv, `/v1/jobs/${id}/manifest`)).text()).trim().split("\n");
    expect(manifest).toHaveLength(20);
    for (const line of manifest) {
      const { key, seed } = JSON.parse(line) as { key: string; seed: number };
      expect(key).toBe(`samples/v1/tiny-biflow/0.0.1-fixture/5/g1.00/${seed}.png`);
      expect(await env.SAMPLES.head(key)).not.toBeNull();
    }
  });

  it("fails over to the other backend when one is killed, then edge models to WASM when none is left", async () => {
    // Killed mid-burst: 64 concurrent requests of 16 images for the GPU-only model, backend 0
    // SIGKILLed once the first has been answered. Its requests in flight are retried on backend 1
    // within their deadline: no client sees the death.
    let answered = 0;
    const burst = Array.from({ length: 64 }, (_, i) =>
      post(poolEnv, { model: "tiny-gpu", n: 16, seed: 800_000 + 16 * i }).then((res) => {
        answered += 1;
        return res;
      }),
    );
    while (answered < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await fetch(`${control}/backends/0/stop`, { method: "POST" })).status).toBe(204);
    const answeredBeforeKill = answered;
    const results = await Promise.all(burst);
    expect(answeredBeforeKill, "the kill must land mid-burst").toBeLessThan(64);
    for (const res of results) {
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(samplesOf(res.json)[0]?.sampler).toBe("gpu-pool");
    }
    for (let i = 0; i < 6; i++) {
      const res = await post(poolEnv, { model: "tiny-gpu", n: 1, seed: 95_000 + i });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(samplesOf(res.json)[0]?.sampler).toBe("gpu-pool");
    }
    expect((await fetch(`${control}/backends/1/stop`, { method: "POST" })).status).toBe(204);
    const gpuOnly = await post(poolEnv, { model: "tiny-gpu", n: 1, seed: 95_100 });
    expect(gpuOnly.status).toBe(503);
    expect((gpuOnly.json as { error: { type: string } }).error.type).toBe("sampler_unavailable");
    expect(gpuOnly.headers.get("retry-after")).toMatch(/^\d+$/);
    const edge = await post(poolEnv, { model: "tiny-biflow", n: 4, seed: 95_200 });
    expect(edge.status).toBe(200);
    expect(samplesOf(edge.json).map((s) => s.sampler)).toEqual(Array(4).fill("wasm"));
  });
});

describe("the pool choice's cost on the hot path (printed; docs/worker.md, the GPU backend pool)", () => {
  it("with a fresh snapshot it never waits on the Durable Object; without, every request does", async () => {
    const { createEdgePool } = await import("../../workers/pool/edge-pool.js");
    const { Registry } = await import("../../src/metrics.js");
    const { silentLogger } = await import("../../src/logger.js");
    const { systemClock } = await import("../../src/clock.js");
    const { createRoutingPolicy } = await import("../../src/routing/policy.js");
    const { bundledRegistry } = await import("../../workers/bundled-models.js");
    const model = bundledRegistry(gpuFixtures, env.MODELS).get("tiny-gpu");
    if (model === undefined) throw new Error("tiny-gpu missing");
    const config = {
      urls: [...backends],
      secret: inject("poolSecret"),
      healthIntervalMs: 2000,
      healthTimeoutMs: 1000,
      attemptTimeoutMs: 15_000,
      breakerFailures: 3,
      breakerOpenMs: 5000,
      backendUploads: false,
    };
    const measure = async (refreshMs: number, maxAgeMs: number) => {
      const pool = createEdgePool(env, {
        config,
        snapshot: { refreshMs, maxAgeMs, waitMs: 5000 },
        deadlineMs: 30_000,
        registry: new Registry(),
        clock: systemClock,
        logger: silentLogger,
      });
      const choose = createRoutingPolicy(
        { gpu: pool.sampler },
        { edgeMaxBatch: 8, edgeMaxParameters: 20_000_000, retryAfterSeconds: 5 },
      );
      await pool.prepare();
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        await pool.prepare();
        choose(model, 1);
        times.push(performance.now() - started);
        await pool.pending();
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
      return { median: at(0.5), p99: at(0.99) };
    };
    const withSnapshot = await measure(1000, 5000);
    const without = await measure(0, 0);
    console.log(
      `pool choice on the hot path (ms, 200 requests): with snapshot median ${withSnapshot.median.toFixed(3)} p99 ${withSnapshot.p99.toFixed(3)}; ` +
        `waiting on the Durable Object median ${without.median.toFixed(3)} p99 ${without.p99.toFixed(3)}`,
    );
    // The Durable Object round trip is I/O, so workerd's clock moves for it; the snapshot path has none.
    expect(without.median).toBeGreaterThan(withSnapshot.median);
  });
});
