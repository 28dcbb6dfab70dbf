// METRICS_TOKEN, CORS, X-Request-Id and the access log over the app: /metrics with and
// without the token; preflights for the open GET resources and the listed-origin POSTs;
// request ids validated, echoed and logged; one JSON line per request.

import { describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { createJsonLogger } from "../../../src/logger.js";
import { makeTestApp, postJson } from "../../helpers/fixtures.js";

const TOKEN = "metrics-token-0123456789";

function preflight(app: Awaited<ReturnType<typeof makeTestApp>>["app"], path: string, origin: string, method: string) {
  return app.request(path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "content-type, authorization",
    },
  });
}

describe("METRICS_TOKEN", () => {
  it("/metrics needs the bearer token when set, and is open when not", async () => {
    const t = await makeTestApp({}, { METRICS_TOKEN: TOKEN });
    const none = await t.app.request("/metrics");
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { type: string } }).error.type).toBe("unauthorized");
    expect((await t.app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    const ok = await t.app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("biflow_http_requests_total");
    expect((await (await makeTestApp()).app.request("/metrics")).status).toBe(200);
  });

  it("a token shorter than 16 characters is a configuration error", async () => {
    await expect(makeTestApp({}, { METRICS_TOKEN: "short" })).rejects.toThrow(/METRICS_TOKEN must be at least 16/);
  });
});

describe("CORS", () => {
  it("sample URLs and /v1/models answer any origin", async () => {
    const t = await makeTestApp();
    const pre = await preflight(t.app, "/v1/samples/tiny-biflow/0/1.png", "https://blog.example", "GET");
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
    const get = await t.app.request("/v1/models", { headers: { origin: "https://blog.example" } });
    expect(get.headers.get("access-control-allow-origin")).toBe("*");
    expect(get.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("POST endpoints answer only CORS_ORIGINS; none by default", async () => {
    const t = await makeTestApp({}, { CORS_ORIGINS: "https://app.example, https://admin.example/" });
    const allowed = await preflight(t.app, "/v1/samples", "https://admin.example", "POST");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(allowed.headers.get("access-control-allow-methods")).toBe("POST");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await preflight(t.app, "/v1/encode", "https://evil.example", "POST");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const post = await postJson(
      t.app,
      "/v1/samples",
      { model: "tiny-biflow", n: 1 },
      { origin: "https://app.example" },
    );
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBe("https://app.example");

    // Error answers carry the policy and the request id too (they are set after the handler).
    const missing = await t.app.request("/v1/models/no-such-model", { headers: { origin: "https://blog.example" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
    expect(missing.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refusedPost = await postJson(
      t.app,
      "/v1/samples",
      { model: "tiny-biflow", n: 0 },
      { origin: "https://app.example" },
    );
    expect(refusedPost.status).toBe(400);
    expect(refusedPost.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(refusedPost.headers.get("vary")).toBe("Origin");

    const closed = await makeTestApp();
    const refused = await preflight(closed.app, "/v1/samples", "https://app.example", "POST");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("X-Request-Id and the access log", () => {
  async function logged() {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: "info", clock: systemClock, write: (l) => lines.push(l) });
    return { ...(await makeTestApp({ logger })), lines };
  }
  const entries = (lines: string[]) =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.message === "request");

  it("accepts a valid id, replaces an invalid one, echoes it, and logs one line per request", async () => {
    const t = await logged();
    const mine = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/t-shirt-top/9.png?guidance=1.00", {
      headers: { "x-request-id": "trace-abc_123" },
    });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("x-request-id")).toBe("trace-abc_123");
    const again = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/t-shirt-top/9.png?guidance=1.00");
    expect(again.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const evil = await t.app.request("/v1/models", { headers: { "x-request-id": 'x" {"level":"error"}' } });
    const replaced = evil.headers.get("x-request-id") ?? "";
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    await t.app.request("/v1/models", { headers: { "x-request-id": "a".repeat(129) } });
    const bad = await postJson(t.app, "/v1/samples", { model: "tiny-biflow", n: 0 });

    const log = entries(t.lines);
    expect(log).toHaveLength(5);
    expect(log[0]).toMatchObject({
      level: "info",
      method: "GET",
      route: "/v1/samples/{model}/{class}/{seed}.png",
      status: 200,
      source: "computed",
      sampler: "fake",
      request_id: "trace-abc_123",
    });
    expect(typeof log[0]?.ms).toBe("number");
    expect(log[1]).toMatchObject({ source: "cache", sampler: null, request_id: again.headers.get("x-request-id") });
    expect(log[2]).toMatchObject({ route: "/v1/models", status: 200, source: null, request_id: replaced });
    expect(String(log[3]?.request_id)).not.toContain("aaaa");
    expect(log[4]).toMatchObject({
      method: "POST",
      route: "/v1/samples",
      status: 400,
      request_id: bad.headers.get("x-request-id"),
    });
    expect(t.lines.join("\n")).not.toContain('{"level":"error"}');
  });
});
