// The Worker's held cache hits (workers/held-hits.ts): once the app has served a plain GET of
// a canonical sample URL from the cache, the isolate answers the same target itself, and that
// answer is the app's own byte for byte (status, every header but Date, body), request id
// echoed; conditional GETs, HEAD and unknown targets stay the app's.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import { describe, expect, it } from "vitest";
import { slugify } from "../../src/models/classes.js";
import { createEdgeApp } from "../../workers/app.js";
import { heldResponse } from "../../workers/held-hits.js";
import { bundledModels } from "../../workers/models.generated.js";
import { call, ORIGIN, shippedManifest } from "./helpers.js";

const model = shippedManifest();
const target = `/v1/samples/${model.id}@${model.version}/${slugify(model.classes[2] ?? "")}/4242.png?guidance=0.50`;

function comparable(response: Response): [string, string][] {
  return [...response.headers].filter(([name]) => name !== "date");
}

describe("held cache hits in the Worker", () => {
  it("answer a hit the app has served exactly as the app does", async () => {
    // Computed, stored and written to caches.default by the shared Worker.
    expect((await call(target)).status).toBe(200);

    // A fresh isolate's app: its first GET is a caches.default hit through the app.
    const edge = createEdgeApp(env, { ortWasm, models: bundledModels, cache: caches.default });
    if (edge.hits === undefined) throw new Error("no held hits on the defaults");
    const request = () => new Request(`${ORIGIN}${target}`, { headers: { "x-request-id": "held-hit-test" } });
    expect(heldResponse(edge.hits, request())).toBeUndefined();
    const ctx = createExecutionContext();
    const fromApp = await edge.app.fetch(request(), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(fromApp.headers.get("x-sample-source")).toBe("cache");

    const held = heldResponse(edge.hits, request());
    if (held === undefined) throw new Error("the app's cache hit was not held");
    expect(held.status).toBe(fromApp.status);
    expect(comparable(held)).toEqual(comparable(fromApp));
    expect(held.headers.get("x-request-id")).toBe("held-hit-test");
    const appBody = new Uint8Array(await fromApp.arrayBuffer());
    expect(new Uint8Array(await held.arrayBuffer())).toEqual(appBody);
    // The kept body is not used up by an answer.
    const again = heldResponse(edge.hits, request());
    expect(new Uint8Array(await (again ?? new Response()).arrayBuffer())).toEqual(appBody);
    // Without an X-Request-Id, a fresh one, as the app makes.
    const fresh = heldResponse(edge.hits, new Request(`${ORIGIN}${target}`));
    expect(fresh?.headers.get("x-request-id")).toMatch(/\S/);
    expect(fresh?.headers.get("x-request-id")).not.toBe("held-hit-test");

    // The app's own cases stay the app's.
    const etag = fromApp.headers.get("etag") ?? "";
    expect(heldResponse(edge.hits, new Request(`${ORIGIN}${target}`, { headers: { "if-none-match": etag } }))).toBe(
      undefined,
    );
    expect(heldResponse(edge.hits, new Request(`${ORIGIN}${target}`, { method: "HEAD" }))).toBeUndefined();
    expect(heldResponse(edge.hits, new Request(`${ORIGIN}${target.replace("4242", "4243")}`))).toBeUndefined();
  });

  it("are what the Worker entry answers on a repeated hit", async () => {
    const first = await call(target, { headers: { "x-request-id": "entry-1" } });
    const second = await call(target, { headers: { "x-request-id": "entry-1" } });
    expect(second.headers.get("x-sample-source")).toBe("cache");
    expect(comparable(second)).toEqual(comparable(first));
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(new Uint8Array(await first.arrayBuffer()));
  });
});
