// Bad input inside workerd gets the documented 4xx JSON ({"error": {type, message, param}})
// before any compute: the sampler is not called and R2 stays untouched.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index.js";
import { bundledManifests, call, ORIGIN, postJson, samplerCalls, shippedManifest } from "./helpers.js";

const [first] = bundledManifests();
if (first === undefined) throw new Error("no edge model is bundled into the Worker");
const model = first.id;

async function bucketSize(): Promise<number> {
  return (await env.SAMPLES.list()).objects.length;
}

async function expectError(response: Response, status: number, type: string, param: string | null, message?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await response.json<{ error: { type: string; message: string; param: string | null } }>();
  expect(body.error.type).toBe(type);
  expect(body.error.param).toBe(param);
  if (message !== undefined) expect(body.error.message).toMatch(message);
}

describe("bad requests in workerd", () => {
  const cases: [string, unknown, number, string, string | null, RegExp][] = [
    ["n = 0", { model, n: 0 }, 400, "invalid_request", "n", /n must be an integer from 1 to 64; got 0/],
    ["n = 65", { model, n: 65 }, 400, "invalid_request", "n", /1 to 64; got 65/],
    ["seed over uint32", { model, n: 1, seed: 4294967296 }, 400, "invalid_request", "seed", /uint32/],
    ["unknown class", { model, n: 1, class: "hat" }, 400, "invalid_request", "class", /"hat" is not one of/],
    ["guidance out of range", { model, n: 1, guidance: 99 }, 400, "invalid_request", "guidance", /between/],
    ["unknown parameter", { model, n: 1, steps: 4 }, 400, "invalid_request", "steps", /unknown parameter/],
    ["unknown model", { model: "no-such-model", n: 1 }, 404, "model_not_found", "model", /unknown model/],
  ];

  const named = cases.map(([name, body, status, type, param, message]) => ({
    name,
    body,
    status,
    type,
    param,
    message,
  }));
  it.each(named)("POST $name -> $status $type", async ({ body, status, type, param, message }) => {
    const [calls, objects] = [await samplerCalls(model), await bucketSize()];
    await expectError(await postJson("/v1/samples", body), status, type, param, message);
    expect(await samplerCalls(model)).toBe(calls);
    expect(await bucketSize()).toBe(objects);
  });

  it("malformed JSON -> 400 invalid_json; not JSON -> 415; too large -> 413", async () => {
    const post = (body: string, contentType: string) =>
      call("/v1/samples", { method: "POST", headers: { "content-type": contentType }, body });
    await expectError(await post("{nope", "application/json"), 400, "invalid_json", null);
    await expectError(await post(`model=${model}&n=1`, "text/plain"), 415, "unsupported_media_type", null);
    const big = JSON.stringify({ model, n: 1, pad: "x".repeat(20_000) });
    await expectError(await post(big, "application/json"), 413, "payload_too_large", null, /at most \d+ bytes/);
  });

  it("a bad sample URL -> 400/404 naming the parameter", async () => {
    await expectError(await call(`/v1/samples/${model}/0/12x.png`), 400, "invalid_request", "seed", /uint32/);
    await expectError(await call(`/v1/samples/${model}/0/1.png?guidance=abc`), 400, "invalid_request", "guidance");
    await expectError(await call(`/v1/samples/${model}/hat/1.png`), 400, "invalid_request", "class");
    await expectError(await call("/v1/samples/no-such-model/0/1.png"), 404, "model_not_found", "model");
  });

  it("exact and Jacobi sampling -> 422 saying where they run (not in the isolate's CPU budget)", async () => {
    const shipped = shippedManifest();
    const [calls, objects] = [await samplerCalls(shipped.id), await bucketSize()];
    const base = `/v1/samples/${shipped.id}@${shipped.version}/0/1.png`;
    const where = /Node router .* GPU backends that announce them/;
    // Any spelling redirects to the canonical URL (the Jacobi one names the default schedule).
    for (const sampler of ["exact", "jacobi"]) {
      const redirect = await call(`${base}?sampler=${sampler}`, { redirect: "manual" });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get("location") ?? "";
      expect(location).toContain(`&sampler=${sampler}`);
      await expectError(await call(location), 422, "sampler_not_available", "sampler", where);
    }
    await expectError(
      await postJson("/v1/samples", { model: shipped.id, n: 1, sampler: "exact" }),
      422,
      "sampler_not_available",
      "sampler",
      where,
    );
    expect(await samplerCalls(shipped.id)).toBe(calls);
    expect(await bucketSize()).toBe(objects);
  });

  it("wrong method -> 405 with Allow; unknown route -> 404", async () => {
    const response = await call("/v1/samples", { method: "PUT" });
    expect(response.headers.get("allow")).toMatch(/POST/);
    await expectError(response, 405, "method_not_allowed", null);
    await expectError(await call("/v2/nothing"), 404, "not_found", null);
  });

  it("bad vars -> 500 internal JSON that names nothing; good vars serve again", async () => {
    const ctx = createExecutionContext();
    const request = new Request(`${ORIGIN}/health/live`);
    const response = await worker.fetch(request, { ...env, MAX_BODY_BYTES: "lots" }, ctx);
    await waitOnExecutionContext(ctx);
    await expectError(response, 500, "internal", null, /^internal error$/);
    expect((await call("/health/live")).status).toBe(200);
  });
});
