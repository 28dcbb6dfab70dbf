// Every validation rule answers with the documented 4xx JSON naming its parameter, before
// any compute (the sampler is never called, the store stays empty); 404, 405 and 413 too.

import { beforeEach, describe, expect, it } from "vitest";
import { makeTestApp, postJson, type TestApp } from "../helpers/fixtures.js";

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});

async function expectError(res: Response, status: number, type: string, param: string | null, message?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { type: string; message: string; param: string | null } };
  expect(body.error.type).toBe(type);
  expect(body.error.param).toBe(param);
  if (message) expect(body.error.message).toMatch(message);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
  expect(t.sampler.calls).toBe(0);
  expect(t.store.keys()).toEqual([]);
}

const ok = { model: "tiny-biflow", n: 1 };

describe("POST /v1/samples validation", () => {
  it.each([
    ["n missing", { model: "tiny-biflow" }, "n", /n is required: an integer from 1 to 64/],
    ["n = 0", { ...ok, n: 0 }, "n", /n must be an integer from 1 to 64; got 0/],
    ["n = 65", { ...ok, n: 65 }, "n", /1 to 64; got 65/],
    ["n fractional", { ...ok, n: 1.5 }, "n", /integer from 1 to 64/],
    ["n a string", { ...ok, n: "3" }, "n", /n must be an integer from 1 to 64; got "3"/],
    ["seed negative", { ...ok, seed: -1 }, "seed", /seed must be an integer from 0 to 4294967295/],
    ["seed over uint32", { ...ok, seed: 4294967296 }, "seed", /uint32/],
    ["seed fractional", { ...ok, seed: 0.5 }, "seed", /uint32/],
    ["model missing", { n: 1 }, "model", /model is required/],
    ["model not a string", { model: 3, n: 1 }, "model", /model must be a model id/],
    ["class an object", { ...ok, class: {} }, "class", /class must be a class index, a class name, or null/],
    ["guidance a string", { ...ok, guidance: "1" }, "guidance", /guidance must be a finite number/],
    ["unknown parameter", { ...ok, steps: 4 }, "steps", /unknown parameter "steps"/],
  ])("%s -> 400 invalid_request", async (_, body, param, message) => {
    await expectError(await postJson(t.app, "/v1/samples", body), 400, "invalid_request", param, message);
  });

  it.each([
    ["class index out of range", { ...ok, class: 11 }, "class", /index 0\.\.9.*got 11/],
    ["class name unknown", { ...ok, class: "hat" }, "class", /"hat" is not one of: T-shirt\/top, Trouser/],
    ["guidance below range", { ...ok, guidance: -0.5 }, "guidance", /between 0 and 4 for model tiny-biflow/],
    ["guidance above range", { ...ok, guidance: 4.01 }, "guidance", /between 0 and 4.*got 4\.01/],
  ])("%s (model-dependent) -> 400 invalid_request", async (_, body, param, message) => {
    await expectError(await postJson(t.app, "/v1/samples", body), 400, "invalid_request", param, message);
  });

  it("a body that is not an object -> 400", async () => {
    await expectError(await postJson(t.app, "/v1/samples", [1, 2]), 400, "invalid_request", null, /JSON object/);
  });

  it("malformed JSON -> 400 invalid_json", async () => {
    await expectError(await postJson(t.app, "/v1/samples", "{nope"), 400, "invalid_json", null);
  });

  it("a body that is not JSON -> 415", async () => {
    const res = await t.app.request("/v1/samples", { method: "POST", body: "model=tiny-biflow&n=1" });
    await expectError(res, 415, "unsupported_media_type", null, /application\/json/);
  });

  it("a body over the size limit -> 413, with or without Content-Length", async () => {
    const big = JSON.stringify({ ...ok, pad: "x".repeat(20_000) });
    await expectError(await postJson(t.app, "/v1/samples", big), 413, "payload_too_large", null, /at most 16384 bytes/);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await t.app.request("/v1/samples", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectError(res, 413, "payload_too_large", null);
  });

  it("the body limit follows MAX_BODY_BYTES", async () => {
    t = await makeTestApp({}, { MAX_BODY_BYTES: "256" });
    const body = JSON.stringify({ ...ok, class: "x".repeat(300) });
    await expectError(await postJson(t.app, "/v1/samples", body), 413, "payload_too_large", null, /at most 256 bytes/);
  });

  it("unknown model -> 404 model_not_found listing the known ids", async () => {
    await expectError(
      await postJson(t.app, "/v1/samples", { ...ok, model: "nope" }),
      404,
      "model_not_found",
      "model",
      /unknown model "nope"; known models: tiny-biflow, tiny-rgb/,
    );
  });
});

describe("GET /v1/samples/{model}/{class}/{seed}.png validation", () => {
  it.each([
    ["/v1/samples/tiny-biflow/0/abc.png", 400, "invalid_request", "seed"],
    ["/v1/samples/tiny-biflow/0/4294967296.png", 400, "invalid_request", "seed"],
    ["/v1/samples/tiny-biflow/0/12345678901.png", 400, "invalid_request", "seed"],
    ["/v1/samples/tiny-biflow/hat/1.png", 400, "invalid_request", "class"],
    ["/v1/samples/tiny-biflow/11/1.png", 400, "invalid_request", "class"],
    ["/v1/samples/tiny-biflow/0/1.png?guidance=abc", 400, "invalid_request", "guidance"],
    ["/v1/samples/tiny-biflow/0/1.png?guidance=9", 400, "invalid_request", "guidance"],
    ["/v1/samples/nope/0/1.png", 404, "model_not_found", "model"],
  ])("%s -> %i %s", async (path, status, type, param) => {
    await expectError(await t.app.request(path), status, type, param);
  });
});

describe("routing errors", () => {
  it("unknown route -> 404 not_found JSON", async () => {
    await expectError(
      await t.app.request("/v2/everything"),
      404,
      "not_found",
      null,
      /no route for GET \/v2\/everything/,
    );
  });

  it.each([
    ["DELETE", "/v1/models", "GET, HEAD"],
    ["GET", "/v1/samples", "POST"],
    ["PUT", "/v1/samples", "POST"],
    ["POST", "/v1/samples/tiny-biflow/0/1.png", "GET, HEAD"],
    ["POST", "/health/ready", "GET, HEAD"],
  ])("%s %s -> 405 with Allow: %s", async (method, path, allow) => {
    const res = await t.app.request(path, { method });
    expect(res.headers.get("allow")).toBe(allow);
    await expectError(res, 405, "method_not_allowed", null, new RegExp(`${method} is not allowed`));
  });
});
