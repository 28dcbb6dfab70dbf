// Operations endpoints: liveness, readiness with its checks, Prometheus metrics (requests,
// sampler calls, cache layers, latency) and the OpenAPI document.

import { describe, expect, it } from "vitest";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import { makeTestApp, postJson } from "../helpers/fixtures.js";

describe("health", () => {
  it("live answers ok", async () => {
    const { app } = await makeTestApp();
    const res = await app.request("/health/live");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("ready reports models, store and samplers", async () => {
    const t = await makeTestApp();
    const res = await t.app.request("/health/ready");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.status).toBe("ready");
    expect(Object.keys(body.checks).sort()).toEqual(["models", "sampler:fake", "store"]);
    expect(body.checks.models?.detail).toContain("tiny-biflow@0.0.1-fixture");
  });

  it("ready is 503 when no sampler is healthy or the store check throws", async () => {
    const t = await makeTestApp();
    t.sampler.healthy = false;
    expect((await t.app.request("/health/ready")).status).toBe(503);

    const store = new MemoryObjectStore();
    store.health = () => Promise.reject(new TypeError("socket hang up"));
    const broken = await makeTestApp({ store });
    const res = await broken.app.request("/health/ready");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { store: { ok: boolean; detail: string } } };
    expect(body.checks.store).toEqual({ ok: false, detail: "TypeError" });
  });
});

describe("GET /metrics", () => {
  it("counts requests by route and status, sampler calls and cache layers", async () => {
    const t = await makeTestApp();
    await postJson(t.app, "/v1/samples", { model: "tiny-biflow", n: 2, seed: 1 });
    await postJson(t.app, "/v1/samples", { model: "tiny-biflow", n: 2, seed: 1 });
    await postJson(t.app, "/v1/samples", { model: "tiny-biflow", n: 0 });
    await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/t-shirt-top/1.png?guidance=1.00");
    await t.app.request("/nowhere");
    const res = await t.app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain('biflow_http_requests_total{route="/v1/samples",method="POST",status="200"} 2');
    expect(text).toContain('biflow_http_requests_total{route="/v1/samples",method="POST",status="400"} 1');
    expect(text).toContain(
      'biflow_http_requests_total{route="/v1/samples/{model}/{class}/{seed}.png",method="GET",status="200"} 1',
    );
    expect(text).toContain('biflow_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toContain('biflow_sampler_calls_total{sampler="fake",model="tiny-biflow",outcome="ok"} 2');
    expect(text).toContain('biflow_sample_lookups_total{layer="cache",result="hit"} 2');
    expect(text).toContain('biflow_sample_lookups_total{layer="cache",result="miss"} 3');
    expect(text).toContain('biflow_sample_lookups_total{layer="store",result="miss"} 3');
    expect(text).toMatch(/biflow_http_request_duration_seconds_count\{route="\/v1\/samples"\} 3/);
    expect(text).toContain("# TYPE biflow_sampler_duration_seconds histogram");
  });
});

describe("GET /openapi.json", () => {
  it("documents every public route from the validating schemas", async () => {
    const { app } = await makeTestApp();
    const doc = (await (await app.request("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, { maximum?: number; minimum?: number }> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/health/live",
      "/health/ready",
      "/metrics",
      "/v1/class-edits",
      "/v1/encode",
      "/v1/grids/{model}/{seed}.png",
      "/v1/inpaintings",
      "/v1/interpolations",
      "/v1/interpolations/{model}/{class}/{seeds}.png",
      "/v1/models",
      "/v1/models/{model}/{version}/reverse.onnx",
      "/v1/reconstruct",
      "/v1/samples",
      "/v1/samples/{model}/{class}/{seed}.png",
    ]);
    const request = doc.components.schemas.SampleRequest?.properties;
    expect(request?.n).toMatchObject({ minimum: 1, maximum: 64 });
    expect(request?.seed).toMatchObject({ minimum: 0, maximum: 4294967295 });
  });
});

describe("GET /v1/models", () => {
  it("lists every fixture model with shape, classes and placements", async () => {
    const { app } = await makeTestApp();
    const body = (await (await app.request("/v1/models")).json()) as {
      models: { id: string; image: unknown; classes: { slug: string }[]; placements: string[]; encode: boolean }[];
    };
    expect(body.models.map((m) => m.id)).toEqual(["tiny-biflow", "tiny-rgb"]);
    expect(body.models[0]).toMatchObject({ image: { channels: 1, height: 28, width: 28 }, encode: true });
    expect(body.models[0]?.classes[0]).toEqual({ index: 0, name: "T-shirt/top", slug: "t-shirt-top" });
    expect(body.models[1]?.placements).toEqual(["edge", "gpu", "browser"]);
  });
});
