// The playground inside workerd: the page and its hashed assets come from the core's
// bundled module (no file system), and a bundled model's reverse.onnx is served for the
// browser, immutable with its sha256 as ETag.

import { describe, expect, it } from "vitest";
import { bundledManifests, call } from "./helpers.js";

describe("the playground in workerd", () => {
  it("serves the page and every script and stylesheet it names", async () => {
    const page = await call("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    const named = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(named.length).toBe(2);
    for (const path of named) {
      const asset = await call(path);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("cache-control")).toContain("immutable");
      expect((await asset.text()).length).toBeGreaterThan(500);
    }
  });

  it("serves a bundled model's reverse.onnx for the browser", async () => {
    const [model] = bundledManifests();
    if (model === undefined) throw new Error("no model is bundled into the Worker");
    const res = await call(`/v1/models/${model.id}/${model.version}/reverse.onnx`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await res.arrayBuffer()).byteLength).toBe(Number(res.headers.get("content-length")));
  });
});
