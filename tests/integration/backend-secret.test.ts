// A router whose BACKEND_SECRET the backend does not share, against a real backend process:
// the signed probe finds out before any request, the router logs it once, /health/ready
// names the cause, edge models fall back to WASM and GPU-only models get 503, never 500.

import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BACKEND_SECRET, startBackend } from "../helpers/backend.js";
import { FIXTURE_MODELS_DIR, ROOT } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { routerEnv } from "./global-setup.js";

type Proc = Running & { url: string };
let backend: Proc;
let router: Proc;
let routerModels: string;

beforeAll(async () => {
  // The backend is started with a secret of its own; the router keeps the test one.
  backend = await startBackend({
    MODELS_DIR: FIXTURE_MODELS_DIR,
    BACKEND_SECRET: "a-different-backend-secret-0123456789",
  });
  routerModels = await mkdtemp(path.join(tmpdir(), "biflow-router-models-"));
  await cp(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"), path.join(routerModels, "tiny-biflow"), { recursive: true });
  await cp(path.join(ROOT, "tests/fixtures/slow-models/slow-biflow"), path.join(routerModels, "slow-biflow"), {
    recursive: true,
  });
  router = await startRouter({
    ...routerEnv(inject("s3Endpoint")),
    MODELS_DIR: routerModels,
    GPU_BACKEND_URLS: backend.url,
    BACKEND_SECRET,
    // Every batch would go to the pool if a backend were usable.
    EDGE_MAX_BATCH: "0",
    POOL_HEALTH_INTERVAL_MS: "100",
    CACHE_MAX_BYTES: "0",
    RETRY_AFTER_SECONDS: "7",
  });
});

afterAll(async () => {
  await Promise.all([router, backend].map((p) => p.stop("SIGKILL")));
  await rm(routerModels, { recursive: true, force: true });
});

async function post(body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${router.url}/v1/samples`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

const host = () => new URL(backend.url).host;

describe("a router whose secret the backend rejects", () => {
  it("logs one clear error line before it listens, naming the backend and BACKEND_SECRET", async () => {
    const lines = router
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const unusable = lines.filter((l) => l.message === "backend unusable");
    expect(unusable).toHaveLength(1);
    expect(unusable[0]).toMatchObject({ level: "error", backend: host(), cause: "unauthorized" });
    expect(String(unusable[0]?.detail)).toContain("BACKEND_SECRET differs from the backend's");
    const order = lines.map((l) => l.message);
    expect(order.indexOf("backend unusable")).toBeLessThan(order.indexOf("listening"));
    // The backend says why it refused, too.
    await backend.outputMatching(/"message":"request refused","reason":"mismatch"/);
  });

  it("names the cause at /health/ready (still ready: the WASM sampler serves edge models)", async () => {
    const res = await fetch(`${router.url}/health/ready`);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
    expect(res.status).toBe(200);
    expect(body.checks["sampler:gpu-pool"]).toEqual({
      ok: false,
      // /health/ready is public: it names the backend by index, never by host (issue 9).
      detail: `0/1 backends up: backend 0 unusable: the backend refused the router's signature (401: the request's signature does not match): BACKEND_SECRET differs from the backend's`,
    });
    expect(body.checks["sampler:engine"]?.ok).toBe(true);
  });

  it("samples edge models on WASM and answers 503 sampler_unavailable with Retry-After for GPU-only ones", async () => {
    const edge = await post({ model: "tiny-biflow", n: 2, seed: 5150 });
    expect(edge.status).toBe(200);
    const gpuOnly = await post({ model: "slow-biflow", n: 1, seed: 1 });
    expect(gpuOnly.status).toBe(503);
    expect(gpuOnly.headers.get("retry-after")).toBe("7");
    expect((gpuOnly.json as { error: { type: string } }).error.type).toBe("sampler_unavailable");
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metrics).toMatch(/biflow_sampler_calls_total\{sampler="engine",model="tiny-biflow",outcome="ok"\} [1-9]/);
    // No request was ever sent to the backend that refuses us.
    expect(metrics).not.toMatch(/biflow_pool_attempts_total\{/);
  });
});
