// The backend app in-process (real batcher, fake runner, memory store): the signature is
// checked before anything else (401: unsigned, wrong secret, stale, replayed), contract and
// model checks answer 400/404/413, and a good request stores or returns its PNGs.

import { beforeAll, describe, expect, it } from "vitest";
import { Batcher } from "../../../engine/batching/batcher.js";
import { createBackendApp } from "../../../gpu-backend/src/http/app.js";
import type { ServedModel } from "../../../gpu-backend/src/models.js";
import { BackendTelemetry } from "../../../gpu-backend/src/telemetry.js";
import { fromBase64 } from "../../../src/bytes.js";
import { systemClock } from "../../../src/clock.js";
import { GenerateResponseSchema } from "../../../src/contract/backend-v1.js";
import { ReplayGuard } from "../../../src/contract/replay.js";
import { importSigningKey, signRequest } from "../../../src/contract/signing.js";
import { silentLogger } from "../../../src/logger.js";
import { MemoryObjectStore } from "../../../src/storage/memory.js";
import { BACKEND_SECRET, generateBody, metricValue, signedInit } from "../../helpers/backend.js";
import { fixtureRegistry } from "../../helpers/fixtures.js";
import { FakeRunner } from "../engine/fake-runner.js";

let served: Map<string, ServedModel>;
beforeAll(async () => {
  const registry = await fixtureRegistry();
  served = new Map(registry.list().map((entry) => [entry.manifest.id, { entry, reverse: new Uint8Array(0) }] as const));
});

async function setup(withStore = true) {
  const runner = new FakeRunner(1);
  const telemetry = new BackendTelemetry();
  const batcher = new Batcher({
    maxBatch: 8,
    maxDelayMs: 0,
    maxQueue: 64,
    retryAfterSeconds: 1,
    runner,
    clock: systemClock,
  });
  // The fake runner answers every batch as soon as it starts.
  const run = runner.run.bind(runner);
  runner.run = (batch) => {
    const out = run(batch);
    queueMicrotask(() => runner.finish());
    return out;
  };
  runner.onIdle = () => batcher.pump();
  const store = withStore ? new MemoryObjectStore() : undefined;
  const app = createBackendApp({
    models: served,
    providers: new Map([...served.values()].map((m) => [m.entry.ref, "cpu"])),
    batcher,
    store,
    telemetry,
    clock: systemClock,
    logger: silentLogger,
    auth: { key: await importSigningKey(BACKEND_SECRET), replay: new ReplayGuard(), maxBodyBytes: 4096 },
    ready: () => true,
  });
  return { app, runner, telemetry, store };
}

async function post(app: Awaited<ReturnType<typeof setup>>["app"], init: RequestInit) {
  const res = await app.request("/v1/generate", init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const errorType = (body: Record<string, unknown>) => (body.error as { type: string }).type;

describe("backend auth", () => {
  it("refuses unsigned, wrongly signed, stale and replayed requests with 401, computing nothing", async () => {
    const { app, runner, telemetry } = await setup();
    const body = generateBody();
    const unsigned = await post(app, { method: "POST", body: JSON.stringify(body) });
    const wrong = await post(app, await signedInit(body, { secret: "x".repeat(40) }));
    const stale = await post(app, await signedInit(body, { nowMs: Date.now() - 61_000 }));
    const good = await signedInit(body);
    const first = await post(app, good);
    const replay = await post(app, good);
    expect([unsigned.status, wrong.status, stale.status, first.status, replay.status]).toEqual([
      401, 401, 401, 200, 401,
    ]);
    expect([unsigned, wrong, stale, replay].map((r) => errorType(r.body))).toEqual(Array(4).fill("unauthorized"));
    expect((replay.body.error as { message: string }).message).toMatch(/replay/);
    expect(runner.batches).toHaveLength(1);
    const metrics = telemetry.render();
    expect(metricValue(metrics, 'biflow_backend_requests_total{outcome="unauthorized"}')).toBe(4);
    expect(metricValue(metrics, 'biflow_backend_requests_total{outcome="ok"}')).toBe(1);
  });

  it("answers the signed handshake with its models, and 401 to another secret or no signature", async () => {
    const { app } = await setup();
    const handshake = async (secret?: string) => {
      const headers =
        secret === undefined
          ? {}
          : await signRequest(
              await importSigningKey(secret),
              { method: "GET", path: "/v1/handshake", body: new Uint8Array(0) },
              Date.now(),
            );
      const res = await app.request("/v1/handshake", { method: "GET", headers });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const good = await handshake(BACKEND_SECRET);
    expect(good.status).toBe(200);
    expect(good.body.models).toContainEqual({
      id: "tiny-biflow",
      version: "0.0.1-fixture",
      execution_provider: "cpu",
      samplers: ["g"],
    });
    const wrong = await handshake("y".repeat(40));
    expect([wrong.status, errorType(wrong.body)]).toEqual([401, "unauthorized"]);
    expect((wrong.body.error as { message: string }).message).toBe("the request's signature does not match");
    expect((await handshake()).status).toBe(401);
  });

  it("checks the signature before the body is even parsed", async () => {
    const { app } = await setup();
    const res = await post(app, { method: "POST", body: "{not json" });
    expect(res.status).toBe(401);
    const signed = await post(app, await signedInit("{not json"));
    expect([signed.status, errorType(signed.body)]).toEqual([400, "invalid_json"]);
  });
});

describe("backend auth order (issue 10)", () => {
  /** A body that counts how many chunks the server pulled from it: 64 chunks of 1 KiB. */
  function countingBody() {
    const counter = { pulled: 0 };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        counter.pulled++;
        if (counter.pulled > 64) controller.close();
        else controller.enqueue(new Uint8Array(1024).fill(0x20));
      },
    });
    return { counter, stream };
  }

  it("refuses unsigned and stale requests before reading their body", async () => {
    const { app } = await setup();
    for (const headers of [
      {},
      Object.fromEntries(
        Object.entries((await signedInit(generateBody(), { nowMs: Date.now() - 61_000 })).headers ?? {}),
      ) as Record<string, string>,
    ]) {
      const { counter, stream } = countingBody();
      const res = await app.request("/v1/generate", {
        method: "POST",
        headers,
        body: stream,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(401);
      // A ReadableStream pulls once to fill its queue on creation; nothing more was read.
      expect(counter.pulled).toBeLessThanOrEqual(1);
    }
  });

  it("refuses a declared Content-Length over the limit before reading, and a chunked body past it while reading", async () => {
    const { app, runner } = await setup();
    const init = await signedInit(generateBody());
    const headers = { ...(init.headers as Record<string, string>), "content-length": "999999" };
    const { counter, stream } = countingBody();
    const declared = await app.request("/v1/generate", {
      method: "POST",
      headers,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect([declared.status, counter.pulled <= 1]).toEqual([413, true]);
    const chunked = countingBody();
    const res = await app.request("/v1/generate", {
      method: "POST",
      headers: init.headers,
      body: chunked.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    // The cap is 4096 bytes: reading stopped at the fifth 1 KiB chunk, not at the 64th.
    expect(chunked.counter.pulled).toBeLessThan(8);
    expect(runner.batches).toHaveLength(0);
  });
});

describe("backend generate", () => {
  it("stores PNGs under the router's keys and returns them inline too", async () => {
    const { app, store } = await setup();
    const res = await post(app, await signedInit(generateBody({ seeds: [40, 41], output: "s3+inline", class: null })));
    expect(res.status).toBe(200);
    const body = GenerateResponseSchema.parse(res.body);
    expect(body.samples.map((s) => s.key)).toEqual([
      "samples/v1/tiny-biflow/0.0.1-fixture/null/g1.50/40.png",
      "samples/v1/tiny-biflow/0.0.1-fixture/null/g1.50/41.png",
    ]);
    expect([body.stored, body.batch_size, body.batches, body.execution_provider]).toEqual([true, 2, 1, "cpu"]);
    expect(store?.keys().sort()).toEqual(body.samples.map((s) => s.key));
    const stored = await store?.get(body.samples[0]?.key ?? "");
    // The fake runner's "PNG" carries seed, class input (10 = null class) and guidance * 100.
    expect([...(stored?.bytes ?? [])]).toEqual([40, 10, 150]);
    expect(fromBase64(body.samples[1]?.png ?? "")).toEqual(new Uint8Array([41, 10, 150]));
    expect(Object.keys(body.timings_ms).sort()).toEqual(["encode", "inference", "queue", "total", "upload"]);
  });

  it("returns keys only for s3 output, and PNGs only for inline output", async () => {
    const { app, store } = await setup();
    const s3 = GenerateResponseSchema.parse((await post(app, await signedInit(generateBody({ output: "s3" })))).body);
    expect(s3.samples.every((s) => s.png === undefined)).toBe(true);
    const inline = GenerateResponseSchema.parse((await post(app, await signedInit(generateBody({ seeds: [9] })))).body);
    expect([inline.stored, inline.samples[0]?.png !== undefined]).toEqual([false, true]);
    expect(store?.keys()).toHaveLength(2);
  });

  it.each([
    ["an unknown contract version", { contract: 3 }, 400, "invalid_request"],
    ["a sampler under contract 1", { sampler: { kind: "exact" } }, 400, "invalid_request"],
    [
      "a sampler the model does not run here",
      { contract: 2, sampler: { kind: "exact" } },
      422,
      "sampler_not_available",
    ],
    ["a class beyond the model's", { class: 10 }, 400, "invalid_request"],
    ["guidance beyond the model's range", { guidance: 4.5 }, 400, "invalid_request"],
    ["an unknown model", { model: "nope" }, 404, "model_not_found"],
    ["another version of a model", { version: "9.9.9" }, 404, "model_not_found"],
    ["65 seeds", { seeds: Array.from({ length: 65 }, (_, i) => i) }, 400, "invalid_request"],
  ] as const)("answers %s with %i", async (_what, overrides, status, type) => {
    const { app, runner } = await setup();
    const res = await post(app, await signedInit({ ...generateBody(), ...overrides }));
    expect([res.status, errorType(res.body)]).toEqual([status, type]);
    expect(runner.batches).toHaveLength(0);
  });

  it("refuses s3 output without a store, and bodies over the limit", async () => {
    const { app } = await setup(false);
    const res = await post(app, await signedInit(generateBody({ output: "s3" })));
    expect([res.status, (res.body.error as { param: string }).param]).toEqual([400, "output"]);
    const big = await post(app, await signedInit({ ...generateBody(), pad: "x".repeat(5000) }));
    expect([big.status, errorType(big.body)]).toEqual([413, "payload_too_large"]);
  });
});

describe("backend operations", () => {
  it("is ready with its models, and exposes Prometheus metrics", async () => {
    const { app } = await setup();
    const ready = await app.request("/health/ready");
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { contract: number; models: { id: string; execution_provider: string }[] };
    expect(body.contract).toBe(1);
    expect(body.models.map((m) => [m.id, m.execution_provider])).toContainEqual(["tiny-biflow", "cpu"]);
    expect((await app.request("/health/live")).status).toBe(200);
    const metrics = await app.request("/metrics");
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await metrics.text()).toContain("# TYPE biflow_backend_queue_depth gauge");
  });
});
