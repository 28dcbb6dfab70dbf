// GET /v1/models/{model}/{version}/reverse.onnx: the verified bytes with an immutable cache
// header and the sha256 as ETag, 304 on a match, and 404s that say which part is wrong.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/models/manifest.js";
import { createModelEntry, createModelRegistry } from "../../src/models/registry.js";
import { reverseModelPath } from "../../src/models/urls.js";
import { FIXTURE_MODELS_DIR, makeTestApp } from "../helpers/fixtures.js";

const dir = path.join(FIXTURE_MODELS_DIR, "tiny-biflow");
const PATH = "/v1/models/tiny-biflow/0.0.1-fixture/reverse.onnx";

async function manifest(patch: Record<string, unknown> = {}) {
  const raw = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  return parseManifest({ ...raw, ...patch }, "fixture");
}

describe("GET /v1/models/{model}/{version}/reverse.onnx", () => {
  it("serves the manifest's bytes, immutable, with the sha256 as ETag", async () => {
    const { app } = await makeTestApp();
    const m = await manifest();
    expect(reverseModelPath(m.id, m.version)).toBe(PATH);
    const res = await app.request(PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("etag")).toBe(`"${m.files.reverse.sha256}"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes).toEqual(new Uint8Array(await readFile(path.join(dir, "reverse.onnx"))));
    expect(res.headers.get("content-length")).toBe(String(bytes.length));
  });

  it("answers 304 without the body when If-None-Match names the sha256", async () => {
    const { app } = await makeTestApp();
    const etag = `"${(await manifest()).files.reverse.sha256}"`;
    const res = await app.request(PATH, { headers: { "if-none-match": `"other", ${etag}` } });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(etag);
    expect(await res.text()).toBe("");
  });

  it.each([
    ["/v1/models/tiny-biflow/9.9.9/reverse.onnx", "not_found", "version", /at version 0\.0\.1-fixture, not 9\.9\.9/],
    ["/v1/models/nope/0.0.1-fixture/reverse.onnx", "model_not_found", "model", /unknown model "nope"/],
  ])("%s -> 404 %s", async (url, type, param, message) => {
    const { app } = await makeTestApp();
    const res = await app.request(url);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { type: string; param: string; message: string } };
    expect(body.error).toMatchObject({ type, param });
    expect(body.error.message).toMatch(message);
  });

  it("does not serve a model that is not placed in the browser", async () => {
    const m = await manifest({ placements: ["edge", "gpu"] });
    const entry = createModelEntry(m, async (file) => new Uint8Array(await readFile(path.join(dir, file))));
    const { app } = await makeTestApp({ registry: createModelRegistry([entry]) });
    const res = await app.request(PATH);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: "not_found", param: "model" } });
  });
});
