// The playground's routes on the core app: the page and its hashed assets from the bundled
// module (ETag, CSP, cache policy), and onnxruntime-web's files from the injected source.

import { describe, expect, it } from "vitest";
import { playgroundAssets } from "../../src/playground/assets.generated.js";
import { ORT_WEB_FILES, type OrtWebFileName, type OrtWebFiles } from "../../src/playground/ort-web-files.js";
import { makeTestApp } from "../helpers/fixtures.js";

/** An in-memory onnxruntime-web with one-byte files, recording what was read. */
function fakeOrtWeb(version: string): OrtWebFiles & { reads: OrtWebFileName[] } {
  const reads: OrtWebFileName[] = [];
  return {
    version,
    reads,
    read(name) {
      reads.push(name);
      return Promise.resolve(new Uint8Array([name.length]));
    },
  };
}

describe("GET /", () => {
  it("serves the page with its CSP, revalidated by ETag", async () => {
    const { app } = await makeTestApp();
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self' 'wasm-unsafe-eval'");
    const html = await res.text();
    expect(html).toContain('<label for="model">Model</label>');
    expect(html).toMatch(/role="status" aria-live="polite"/);

    const again = await app.request("/", { headers: { "if-none-match": res.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
  });

  it("serves every script and stylesheet the page names, immutable, with its content type", async () => {
    const { app } = await makeTestApp();
    const html = await (await app.request("/")).text();
    const named = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(named.sort()).toEqual(
      playgroundAssets
        .filter((a) => a.path !== "/")
        .map((a) => a.path)
        .sort(),
    );
    for (const url of named) {
      const res = await app.request(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-type")).toMatch(url.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("answers an unknown asset with a JSON 404", async () => {
    const { app } = await makeTestApp();
    const res = await app.request("/playground/app-OLD.js");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: "not_found" } });
  });
});

describe("GET /playground/ort/{version}/{file}", () => {
  it("serves the listed files of the installed version, immutable", async () => {
    const ortWeb = fakeOrtWeb("1.2.3");
    const { app } = await makeTestApp({ ortWebFiles: ortWeb });
    for (const [name, contentType] of Object.entries(ORT_WEB_FILES)) {
      const res = await app.request(`/playground/ort/1.2.3/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type")).toBe(contentType);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([name.length]));
    }
    const etag = (await app.request("/playground/ort/1.2.3/ort.wasm.min.mjs")).headers.get("etag") ?? "";
    const cached = await app.request("/playground/ort/1.2.3/ort.wasm.min.mjs", { headers: { "if-none-match": etag } });
    expect(cached.status).toBe(304);
    expect(ortWeb.reads.filter((n) => n === "ort.wasm.min.mjs")).toHaveLength(2);
  });

  it.each([
    ["another version", "/playground/ort/1.0.0/ort.wasm.min.mjs", /1\.2\.3 is served here, not 1\.0\.0/],
    ["a file not on the list", "/playground/ort/1.2.3/ort.all.min.mjs", /no browser file ort\.all\.min\.mjs/],
    ["a path outside dist/", "/playground/ort/1.2.3/..%2Fpackage.json", /no browser file/],
  ])("refuses %s with a JSON 404", async (_, url, message) => {
    const ortWeb = fakeOrtWeb("1.2.3");
    const { app } = await makeTestApp({ ortWebFiles: ortWeb });
    const res = await app.request(url);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    expect(ortWeb.reads).toEqual([]);
  });

  it("says so where the deployment serves no onnxruntime-web files", async () => {
    const { app } = await makeTestApp();
    const res = await app.request("/playground/ort/1.30.0/ort.wasm.min.mjs");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /not served by this deployment/,
    );
  });
});
