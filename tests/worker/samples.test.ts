// The public sample API inside workerd: POST stores each sample in R2 under its derived key,
// the canonical URL returns a PNG of the model's size (other forms redirect to it), and the
// second read is a Cache API HIT that never reaches the sampler.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CACHE_KEY_ORIGIN } from "../../src/cache/cache-api.js";
import { sampleKey } from "../../src/keys.js";
import { slugify } from "../../src/models/classes.js";
import { decodePng } from "../../src/png/decode.js";
import { createWorker } from "../../workers/handler.js";
import { bundledModels } from "../../workers/models.generated.js";
import { bundledManifests, call, ORIGIN, postJson, samplerCalls, shippedManifest } from "./helpers.js";

/** The real trained model (reverse.onnx bundled or read from R2), not a fixture. */
const model = shippedManifest();

interface SampleResponse {
  model: string;
  version: string;
  seed: number;
  class: number | null;
  guidance: number;
  samples: { index: number; seed: number; url: string; key: string; source: string }[];
}

describe(`POST /v1/samples (${model.id}, in workerd)`, () => {
  it("stores every sample in R2 under the key derived from model, version, class, seed and guidance", async () => {
    const before = await samplerCalls(model.id);
    const response = await postJson("/v1/samples", { model: model.id, n: 3, class: 1, seed: 5000, guidance: 1.5 });
    expect(response.status).toBe(200);
    const body = await response.json<SampleResponse>();
    expect(body).toMatchObject({ model: model.id, version: model.version, seed: 5000, class: 1, guidance: 1.5 });
    expect(body.samples.map((s) => s.seed)).toEqual([5000, 5001, 5002]);
    // One batch for the three misses.
    expect(await samplerCalls(model.id)).toBe(before + 1);

    for (const sample of body.samples) {
      const key = sampleKey({
        modelId: model.id,
        version: model.version,
        classIndex: 1,
        seed: sample.seed,
        guidance: 1.5,
      });
      expect(sample.key).toBe(key);
      expect(sample.source).toBe("computed");
      const object = await env.SAMPLES.get(key);
      if (object === null) throw new Error(`${key} is not in R2`);
      expect(object.httpMetadata?.contentType).toBe("image/png");
      expect(object.httpMetadata?.cacheControl).toBe("public, max-age=31536000, immutable");
      const stored = new Uint8Array(await object.arrayBuffer());
      // The on-demand URL serves exactly the stored object.
      expect(sample.url).toBe(
        `${ORIGIN}/v1/samples/${model.id}@${model.version}/${slugify(model.classes[1] ?? "")}/${sample.seed}.png?guidance=1.50`,
      );
      const served = await call(sample.url.slice(ORIGIN.length));
      expect(served.status).toBe(200);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(stored);
    }
  });
});

describe(`GET /v1/samples/{model}@{version}/{class}/{seed}.png (${model.id}, in workerd)`, () => {
  const path = `/v1/samples/${model.id}@${model.version}/${slugify(model.classes[0] ?? "")}/777.png?guidance=1.00`;
  const key = sampleKey({ modelId: model.id, version: model.version, classIndex: 0, seed: 777, guidance: 1 });

  it("computes a PNG of the model's size, stores it in R2 and fills the Cache API", async () => {
    const before = await samplerCalls(model.id);
    const response = await call(path);
    // call() returned after ctx.waitUntil settled: the deferred cache write is done.
    const cached = await caches.default.match(`${CACHE_KEY_ORIGIN}/${key}`);
    expect(cached?.headers.get("etag")).toBe(response.headers.get("etag"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("x-sample-source")).toBe("computed");
    expect(response.headers.get("x-sample-key")).toBe(key);
    expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]+"$/);
    const raster = await decodePng(new Uint8Array(await response.arrayBuffer()));
    expect(raster).toMatchObject({
      width: model.image.width,
      height: model.image.height,
      channels: model.image.channels,
    });
    expect(new Set(raster.pixels).size).toBeGreaterThan(1); // not a blank image
    expect(await samplerCalls(model.id)).toBe(before + 1);
    expect(await env.SAMPLES.head(key)).not.toBeNull();
  });

  it("serves the second read from the Cache API without calling the sampler", async () => {
    const first = await call(path);
    const before = await samplerCalls(model.id);
    const second = await call(path);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-sample-source")).toBe("cache");
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(new Uint8Array(await first.arrayBuffer()));
    expect(await samplerCalls(model.id)).toBe(before);
  });

  it("falls back to R2 when the cache lost the entry, and fills the cache again", async () => {
    await call(path);
    expect(await caches.default.delete(`${CACHE_KEY_ORIGIN}/${key}`)).toBe(true);
    // A fresh isolate's Worker: this isolate's own memory in front of caches.default still holds it.
    const fresh = createWorker(bundledModels);
    const freshCall = async () => {
      const ctx = createExecutionContext();
      const response = await fresh.fetch(new Request(`${ORIGIN}${path}`), env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const fromStore = await freshCall();
    expect(fromStore.headers.get("x-sample-source")).toBe("store");
    expect((await caches.default.match(`${CACHE_KEY_ORIGIN}/${key}`))?.headers.get("etag")).toBe(
      fromStore.headers.get("etag"),
    );
    expect((await freshCall()).headers.get("x-sample-source")).toBe("cache");
    expect((await call(path)).headers.get("x-sample-source")).toBe("cache");
  });

  it("redirects the unversioned URL to the canonical one, briefly cacheable", async () => {
    const response = await call(`/v1/samples/${model.id}/0/777.png?guidance=1`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(path);
    expect(response.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("keeps the sample's ETag with the R2 object", async () => {
    const response = await call(path);
    const object = await env.SAMPLES.head(key);
    expect(`"${object?.customMetadata?.etag ?? ""}"`).toBe(response.headers.get("etag"));
  });

  it("answers If-None-Match with 304", async () => {
    const { headers } = await call(path);
    const etag = headers.get("etag");
    if (etag === null) throw new Error("no ETag");
    const response = await call(path, { headers: { "if-none-match": etag } });
    expect(response.status).toBe(304);
    expect(response.headers.get("etag")).toBe(etag);
  });
});

describe("the rest of the API in workerd", () => {
  it("lists the bundled models and reports ready", async () => {
    const models = await (await call("/v1/models")).json<{ models: { id: string; placements: string[] }[] }>();
    expect(models.models.map((m) => m.id)).toEqual(
      bundledManifests()
        .map((m) => m.id)
        .sort(),
    );
    expect(models.models.every((m) => m.placements.includes("edge"))).toBe(true);
    const ready = await call("/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { store: { ok: true, detail: "R2 binding" } },
    });
    expect((await call("/openapi.json")).status).toBe(200);
  });
});
