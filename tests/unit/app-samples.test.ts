// The sample API over the app with a fake sampler and in-memory store and cache: seeds,
// classes, URLs, storage under derived keys, cache layers, ETag/304 and coalescing.

import { beforeEach, describe, expect, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { sampleKey } from "../../src/keys.js";
import { makeTestApp, postJson, type TestApp } from "../helpers/fixtures.js";

interface SampleResponse {
  model: string;
  version: string;
  seed: number;
  n: number;
  class: number | null;
  class_name: string | null;
  guidance: number;
  samples: {
    index: number;
    seed: number;
    class: number | null;
    url: string;
    key: string;
    source: string;
    sampler: string | null;
    object_url?: string;
  }[];
}

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});

async function post(body: unknown): Promise<SampleResponse> {
  const res = await postJson(t.app, "http://edge.test/v1/samples", body);
  expect(res.status).toBe(200);
  return (await res.json()) as SampleResponse;
}

describe("POST /v1/samples", () => {
  it("returns the seed, the samples' seeds (s + i) and their immutable URLs, and stores each", async () => {
    const body = await post({ model: "tiny-biflow", n: 3, class: "Sneaker", seed: 4294967294, guidance: 1.234 });
    expect(body).toMatchObject({ model: "tiny-biflow", version: "0.0.1-fixture", seed: 4294967294, n: 3 });
    expect(body).toMatchObject({ class: 7, class_name: "Sneaker", guidance: 1.23 });
    expect(body.samples.map((s) => s.seed)).toEqual([4294967294, 4294967295, 0]);
    expect(body.samples[0]?.url).toBe(
      "http://edge.test/v1/samples/tiny-biflow@0.0.1-fixture/sneaker/4294967294.png?guidance=1.23",
    );
    for (const s of body.samples) {
      expect(s.key).toBe(
        sampleKey({ modelId: "tiny-biflow", version: "0.0.1-fixture", classIndex: 7, seed: s.seed, guidance: 1.23 }),
      );
      expect(s.source).toBe("computed");
    }
    expect(t.store.keys().sort()).toEqual(body.samples.map((s) => s.key).sort());
    // One sampler call for the whole batch, fed the canonical guidance and class index.
    expect(t.sampler.batches.map((b) => [b.seeds, b.classInput, b.guidance])).toEqual([
      [[4294967294, 4294967295, 0], 7, 1.23],
    ]);
  });

  it("accepts the class as index, name in any case, slug, or null (unconditional)", async () => {
    for (const cls of [0, "t-shirt/top", "T-SHIRT/TOP", "t-shirt-top", "0"]) {
      expect((await post({ model: "tiny-biflow", n: 1, class: cls, seed: 1 })).class).toBe(0);
    }
    for (const cls of [null, undefined, 10, "null", "unconditional"]) {
      const body = await post({ model: "tiny-biflow", n: 1, class: cls, seed: 1 });
      expect(body.class).toBeNull();
      expect(body.samples[0]?.url).toContain("/tiny-biflow@0.0.1-fixture/null/1.png?guidance=1.00");
    }
    // Unconditional batches feed the model its null class.
    expect(t.sampler.batches.at(-1)?.classInput).toBe(10);
  });

  it("picks a seed with the injected random source when none is given, and returns it", async () => {
    t = await makeTestApp({ random: (a) => a.fill(777) });
    const body = await post({ model: "tiny-biflow", n: 2 });
    expect(body.seed).toBe(777);
    expect(body.samples.map((s) => s.seed)).toEqual([777, 778]);
  });

  it("uses the model's default guidance when none is given", async () => {
    expect((await post({ model: "tiny-biflow", n: 1, seed: 5 })).guidance).toBe(1);
  });

  it("serves repeated requests from the cache, then the store, without calling the sampler again", async () => {
    await post({ model: "tiny-biflow", n: 2, seed: 10 });
    expect(t.sampler.calls).toBe(1);
    const again = await post({ model: "tiny-biflow", n: 2, seed: 10 });
    expect(again.samples.map((s) => s.source)).toEqual(["cache", "cache"]);
    // Which sampler made it is known only where it was computed in this response.
    expect(again.samples.map((s) => s.sampler)).toEqual([null, null]);
    // A fresh app over the same store has a cold cache: the store answers.
    const cold = await makeTestApp({ store: t.store });
    const res = await postJson(cold.app, "/v1/samples", { model: "tiny-biflow", n: 2, seed: 10 });
    const body = (await res.json()) as SampleResponse;
    expect(body.samples.map((s) => s.source)).toEqual(["store", "store"]);
    expect(cold.sampler.calls).toBe(0);
    // Overlapping request: only the new seeds are computed.
    const overlap = await post({ model: "tiny-biflow", n: 3, seed: 11 });
    expect(overlap.samples.map((s) => s.source)).toEqual(["cache", "computed", "computed"]);
    expect(overlap.samples.map((s) => s.sampler)).toEqual([null, t.sampler.name, t.sampler.name]);
    expect(t.sampler.batches.at(-1)?.seeds).toEqual([12, 13]);
  });

  it("coalesces identical concurrent requests into one sampler call", async () => {
    let release: () => void = () => undefined;
    t.sampler.gate = new Promise((resolve) => (release = resolve));
    const pending = Array.from({ length: 8 }, () => post({ model: "tiny-biflow", n: 4, seed: 99 }));
    // One event-loop turn: every request parses its body and joins before the gate opens.
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.sampler.calls).toBe(1);
    release();
    const bodies = await Promise.all(pending);
    expect(t.sampler.calls).toBe(1);
    expect(new Set(bodies.map((b) => JSON.stringify(b.samples.map((s) => s.key)))).size).toBe(1);
    expect(t.telemetry.coalesced.get()).toBe(28); // 7 followers x 4 samples
  });

  it("reports object URLs when the store has a public base", async () => {
    const { MemoryObjectStore } = await import("../../src/storage/memory.js");
    t = await makeTestApp({ store: new MemoryObjectStore("https://cdn.test/bucket") });
    const body = await post({ model: "tiny-biflow", n: 1, seed: 3, class: 2 });
    expect(body.samples[0]?.object_url).toBe(
      "https://cdn.test/bucket/samples/v1/tiny-biflow/0.0.1-fixture/2/g1.00/3.png",
    );
  });

  it("answers a bland 500 JSON when the sampler throws, and stores nothing", async () => {
    t.sampler.failWith = new Error("kaboom at /secret/path");
    const res = await postJson(t.app, "/v1/samples", { model: "tiny-biflow", n: 1, seed: 1 });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { type: "internal", message: "internal error", param: null } });
    expect(text).not.toContain("secret");
    expect(t.store.keys()).toEqual([]);
  });
});

describe("GET /v1/samples/{model}@{version}/{class}/{seed}.png", () => {
  const url = "/v1/samples/tiny-biflow@0.0.1-fixture/trouser/42.png?guidance=0.50";

  it("serves a PNG with immutable caching, a strong ETag and the sample's source", async () => {
    const res = await t.app.request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get("x-sample-source")).toBe("computed");
    expect(res.headers.get("x-sampler")).toBe(t.sampler.name);
    expect(res.headers.get("x-sample-key")).toBe("samples/v1/tiny-biflow/0.0.1-fixture/1/g0.50/42.png");
    const png = await decodePng(new Uint8Array(await res.arrayBuffer()));
    expect(Array.from(png.pixels)).toEqual([42, 1]); // the fake sampler's seed and class
    const again = await t.app.request(url);
    expect(again.headers.get("x-sample-source")).toBe("cache");
    expect(again.headers.get("etag")).toBe(res.headers.get("etag"));
  });

  it("sends X-Sampler only when a sampler computed the image, as POST says sampler: null for hits", async () => {
    const [computed] = (await post({ model: "tiny-biflow", n: 1, class: "trouser", seed: 42, guidance: 0.5 })).samples;
    expect(computed?.sampler).toBe(t.sampler.name);
    // Cache hit: the JSON's sampler is null, and the PNG's header is absent (not "none").
    const [fromCache] = (await post({ model: "tiny-biflow", n: 1, class: "trouser", seed: 42, guidance: 0.5 })).samples;
    expect([fromCache?.source, fromCache?.sampler]).toEqual(["cache", null]);
    const cached = await t.app.request(url);
    expect(cached.headers.get("x-sample-source")).toBe("cache");
    expect(cached.headers.get("x-sampler")).toBe(fromCache?.sampler);
    expect(cached.headers.has("x-sampler")).toBe(false);
    // Store hit, through a fresh app with a cold cache over the same store: the same.
    const cold = await makeTestApp({ store: t.store });
    const stored = await cold.app.request(url);
    expect(stored.headers.get("x-sample-source")).toBe("store");
    expect(stored.headers.has("x-sampler")).toBe(false);
    // A class grid tiled from stored samples only: no sampler ran, so no X-Sampler either.
    for (let k = 0; k < 10; k++) await post({ model: "tiny-biflow", n: 1, class: k, seed: 42, guidance: 0.5 });
    const grid = await t.app.request("/v1/grids/tiny-biflow@0.0.1-fixture/42.png?guidance=0.50");
    expect([grid.status, grid.headers.get("x-sample-source")]).toEqual([200, "computed"]);
    expect(grid.headers.has("x-sampler")).toBe(false);
  });

  it("redirects every other spelling of the sample to its canonical URL, briefly cacheable", async () => {
    for (const u of [
      "/v1/samples/tiny-biflow/trouser/42.png?guidance=0.5",
      "/v1/samples/tiny-biflow@0.0.1-fixture/1/42.png?guidance=0.50",
      "/v1/samples/tiny-biflow@0.0.1-fixture/Trouser/42.png?guidance=0.499",
      "/v1/samples/tiny-biflow@0.0.1-fixture/trouser/42.png?guidance=0.5",
      "/v1/samples/tiny-biflow@0.0.1-fixture/trouser/42.png?sampler=g&guidance=0.50",
    ]) {
      const res = await t.app.request(u);
      expect([u, res.status, res.headers.get("location")]).toEqual([u, 302, url]);
      expect(res.headers.get("cache-control")).toBe("public, max-age=60");
      expect(res.headers.get("etag")).toBeNull();
    }
    // The default guidance (1.00 in the fixture's manifest) is written into the URL.
    const bare = await t.app.request("/v1/samples/tiny-biflow/trouser/42.png");
    expect(bare.headers.get("location")).toBe("/v1/samples/tiny-biflow@0.0.1-fixture/trouser/42.png?guidance=1.00");
    expect(t.sampler.calls).toBe(0);
  });

  // Composite URLs go through the sample URL's flow (src/samples/serve-image.ts).
  it("serves a class grid as a sample: redirect, 304 from the ETag alone, 410 for a version not loaded", async () => {
    const canonical = "/v1/grids/tiny-biflow@0.0.1-fixture/42.png?guidance=0.50";
    const redirect = await t.app.request("/v1/grids/tiny-biflow/42.png?guidance=0.5");
    expect([redirect.status, redirect.headers.get("location")]).toEqual([302, canonical]);
    expect(redirect.headers.get("cache-control")).toBe("public, max-age=60");
    const first = await t.app.request(canonical);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") ?? "";
    const calls = t.sampler.calls;
    const again = await t.app.request(canonical, { headers: { "if-none-match": etag } });
    expect([again.status, again.headers.get("etag"), again.headers.get("x-sample-key")]).toEqual([
      304,
      etag,
      "grids/v1/tiny-biflow/0.0.1-fixture/g0.50/42.png",
    ]);
    expect(t.sampler.calls).toBe(calls);
    const gone = await t.app.request("/v1/grids/tiny-biflow@0.0.0-old/42.png?guidance=0.50");
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { type: string } }).error.type).toBe("version_gone");
    expect(t.sampler.calls).toBe(calls);
  });

  it("refuses unknown and repeated query parameters with 400 JSON", async () => {
    for (const [u, param] of [
      [`${url}&size=64`, "size"],
      [`${url}&guidance=0.50`, "guidance"],
    ] as const) {
      const res = await t.app.request(u);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  it("answers If-None-Match with 304 and no body", async () => {
    const etag = (await t.app.request(url)).headers.get("etag") ?? "";
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await t.app.request(url, { headers: { "if-none-match": header } });
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe(etag);
      expect(await res.text()).toBe("");
    }
    expect((await t.app.request(url, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
  });

  it("answers HEAD with the headers only", async () => {
    const res = await t.app.request(url, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(await res.text()).toBe("");
  });
});
