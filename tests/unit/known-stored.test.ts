// Stored hits off the queue (node/known-stored.ts): the router remembers the sample keys it
// wrote to or found in the store, and the turn queue's fast-lane predicate (memory-hit.ts)
// then accepts their canonical URLs even when the cache no longer holds them; the keys and
// URLs are the ones the app itself reports, through a real app over a shared store.

import { describe, expect, it } from "vitest";
import { eitherIndex, KnownStoredKeys, recordingStore } from "../../node/known-stored.js";
import { LruSampleCache } from "../../src/cache/lru.js";
import { noCache } from "../../src/cache/sample-cache.js";
import { inMemorySample } from "../../src/samples/memory-hit.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import { fixtureRegistry, makeTestApp, postJson } from "../helpers/fixtures.js";

const PNG = { contentType: "image/png" };

describe("KnownStoredKeys and recordingStore", () => {
  it("records sample keys written or found, not misses and not job records", async () => {
    const memory = new MemoryObjectStore();
    const known = new KnownStoredKeys();
    const store = recordingStore(memory, known);
    expect(await store.get("samples/v1/a.png")).toBeUndefined();
    expect(known.has("samples/v1/a.png")).toBe(false);
    await store.put("samples/v1/a.png", new Uint8Array([1]), PNG);
    expect(known.has("samples/v1/a.png")).toBe(true);
    // Written by someone else (another router, a backend): known once read or HEAD-ed.
    await memory.put("samples/v1/b.png", new Uint8Array([2]), PNG);
    await memory.put("samples/v1/c.png", new Uint8Array([3]), PNG);
    expect(known.has("samples/v1/b.png")).toBe(false);
    expect((await store.get("samples/v1/b.png"))?.bytes).toEqual(new Uint8Array([2]));
    expect(await store.head("samples/v1/c.png")).toBeDefined();
    expect([known.has("samples/v1/b.png"), known.has("samples/v1/c.png")]).toEqual([true, true]);
    await store.put("jobs/v1/x/spec.json", new Uint8Array([4]), PNG);
    expect(known.has("jobs/v1/x/spec.json")).toBe(false);
    expect(known.size).toBe(3);
  });

  it("is bounded: the oldest key is forgotten first", () => {
    const known = new KnownStoredKeys(2);
    for (const k of ["samples/1", "samples/2", "samples/3"]) known.add(k);
    expect(["samples/1", "samples/2", "samples/3"].map((k) => known.has(k))).toEqual([false, true, true]);
  });
});

describe("the fast lane for stored samples", () => {
  it("takes a stored sample's canonical URL once the router knows it is stored, cache or not", async () => {
    const memory = new MemoryObjectStore();
    const known = new KnownStoredKeys();
    const registry = await fixtureRegistry();
    // The router as node/server.ts builds it, without a cache (CACHE_MAX_BYTES=0).
    const t = await makeTestApp({ store: recordingStore(memory, known), cache: noCache });
    const fast = inMemorySample(registry, known);
    const res = await postJson(t.app, "http://edge.test/v1/samples", {
      model: "tiny-biflow",
      n: 2,
      seed: 40,
      class: 1,
    });
    const { samples } = (await res.json()) as { samples: { url: string; key: string }[] };
    const targets = samples.map((s) => {
      const u = new URL(s.url);
      return u.pathname + u.search;
    });
    expect(targets.map(fast)).toEqual([true, true]);
    // Another seed, never stored; and a non-canonical form of a stored one (it redirects).
    expect(fast(targets[0]?.replace("/40.png", "/49.png") ?? "")).toBe(false);
    expect(fast(targets[0]?.replace(/@[^/]+/, "") ?? "")).toBe(false);

    // A restarted router on the same store learns a key when it first serves it from there.
    const knownAfterRestart = new KnownStoredKeys();
    const restarted = await makeTestApp({ store: recordingStore(memory, knownAfterRestart), cache: noCache });
    const fastAfterRestart = inMemorySample(registry, eitherIndex(new LruSampleCache(1024), knownAfterRestart));
    expect(fastAfterRestart(targets[0] ?? "")).toBe(false);
    const served = await restarted.app.request(targets[0] ?? "");
    expect(served.headers.get("x-sample-source")).toBe("store");
    expect(fastAfterRestart(targets[0] ?? "")).toBe(true);
  });
});
