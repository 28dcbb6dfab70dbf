// Sample URLs across a release: two versions of the tiny fixture model over one store. Old
// canonical URLs keep their bytes or answer 410, unversioned ones follow the release, and
// a conditional GET is answered from the ETag kept with the object, computing nothing.

import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LruSampleCache } from "../../src/cache/lru.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import type { ObjectStore } from "../../src/storage/object-store.js";
import { Telemetry } from "../../src/telemetry.js";
import {
  FakeSampler,
  fixtureModelsDirWithVersion,
  fixtureRegistry,
  makeTestApp,
  type TestApp,
} from "../helpers/fixtures.js";

const OLD = "0.0.1-fixture"; // the committed fixture's version
const NEW = "0.0.2-fixture";
const oldUrl = (seed: number) => `/v1/samples/tiny-biflow@${OLD}/trouser/${seed}.png?guidance=0.50`;
const newUrl = (seed: number) => `/v1/samples/tiny-biflow@${NEW}/trouser/${seed}.png?guidance=0.50`;

/** Counts reads of object bytes: a conditional GET answered from metadata makes none. */
class CountingStore extends MemoryObjectStore {
  gets = 0;
  override get(key: string) {
    this.gets++;
    return super.get(key);
  }
}

let newModelsDir: string;
beforeAll(async () => {
  newModelsDir = await fixtureModelsDirWithVersion(NEW);
});
afterAll(async () => {
  await rm(newModelsDir, { recursive: true, force: true });
});

let store: CountingStore;
let before: TestApp;
let after: TestApp;
let sampler: FakeSampler;

/** An app serving the new version over `store`, with a cold cache and its own counters. */
async function release(over: ObjectStore): Promise<TestApp> {
  sampler = new FakeSampler(9); // the "new model": other pixels than the old one's
  return makeTestApp({
    registry: await fixtureRegistry(newModelsDir),
    samplers: [sampler],
    store: over,
    cache: new LruSampleCache(1 << 20),
    telemetry: new Telemetry(),
  });
}

beforeEach(async () => {
  store = new CountingStore();
  before = await makeTestApp({ store });
  after = await release(store);
  expect(path.basename(newModelsDir)).toMatch(/^biflow-models-/);
});

describe("after a release", () => {
  it("serves an old canonical URL that was stored with the same bytes and ETag, computing nothing", async () => {
    const first = await before.app.request(oldUrl(42));
    expect(first.status).toBe(200);
    const bytes = new Uint8Array(await first.arrayBuffer());

    const later = await after.app.request(oldUrl(42));
    expect(later.status).toBe(200);
    expect(later.headers.get("x-sample-source")).toBe("store");
    expect(later.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(later.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(new Uint8Array(await later.arrayBuffer())).toEqual(bytes);
    expect(sampler.calls).toBe(0);
  });

  it("answers 410 naming the current version for an old URL never stored, never the new model's pixels", async () => {
    const res = await after.app.request(oldUrl(43));
    expect(res.status).toBe(410);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as { error: { type: string; message: string; param: string } };
    expect(body.error).toMatchObject({ type: "version_gone", param: "version" });
    expect(body.error.message).toContain(`the current version is ${NEW}`);
    expect(sampler.calls).toBe(0);
    expect(store.keys()).toEqual([]);
  });

  it("redirects unversioned URLs to the new version, and old non-canonical ones to their own canonical URL", async () => {
    const unversioned = await after.app.request("/v1/samples/tiny-biflow/1/42.png?guidance=0.5");
    expect([unversioned.status, unversioned.headers.get("location")]).toEqual([302, newUrl(42)]);
    // Before the release the same link led to the old version.
    const earlier = await before.app.request("/v1/samples/tiny-biflow/1/42.png?guidance=0.5");
    expect(earlier.headers.get("location")).toBe(oldUrl(42));
    // A pinned version never moves; its default guidance is not known any more.
    const pinned = await after.app.request(`/v1/samples/tiny-biflow@${OLD}/1/42.png?guidance=0.5`);
    expect([pinned.status, pinned.headers.get("location")]).toEqual([302, oldUrl(42)]);
    expect((await after.app.request(`/v1/samples/tiny-biflow@${OLD}/1/42.png`)).status).toBe(410);
  });

  it("computes the new version under its own key, other bytes than the old version's", async () => {
    const old = await before.app.request(oldUrl(42));
    const fresh = await after.app.request(newUrl(42));
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("x-sample-key")).toBe(`samples/v1/tiny-biflow/${NEW}/1/g0.50/42.png`);
    expect(old.headers.get("x-sample-key")).toBe(`samples/v1/tiny-biflow/${OLD}/1/g0.50/42.png`);
    expect(fresh.headers.get("etag")).not.toBe(old.headers.get("etag"));
  });
});

describe("a conditional GET of a stored sample", () => {
  it("answers 304 from the store's metadata: no image read, nothing computed", async () => {
    const first = await before.app.request(oldUrl(7));
    const etag = first.headers.get("etag") ?? "";
    const gets = store.gets;
    for (const [app, url] of [
      [await makeTestApp({ store }), oldUrl(7)], // the same version, a cold cache
      [after, oldUrl(7)], // a version no longer loaded
    ] as const) {
      const res = await app.app.request(url, { headers: { "if-none-match": etag } });
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe(etag);
      expect(res.headers.get("x-sample-source")).toBe("store");
      expect(await res.text()).toBe("");
      const metrics = await (await app.app.request("/metrics")).text();
      expect(metrics).not.toMatch(/^biflow_sampler_images_total\{/m);
    }
    expect(store.gets).toBe(gets);
    // Another ETag: the image itself, read once from the store.
    const changed = await after.app.request(oldUrl(7), { headers: { "if-none-match": '"0000"' } });
    expect(changed.status).toBe(200);
    expect(store.gets).toBe(gets + 1);
  });
});

describe("first writer wins", () => {
  it("serves the stored object to the request whose sampler lost the race", async () => {
    const shared = new MemoryObjectStore();
    const one = await makeTestApp({ store: shared, samplers: [new FakeSampler(1)] });
    const two = await makeTestApp({ store: shared, samplers: [new FakeSampler(2)] });
    const url = oldUrl(5);
    const [a, b] = await Promise.all([one.app.request(url), two.app.request(url)]);
    const bytesA = new Uint8Array(await a.arrayBuffer());
    const bytesB = new Uint8Array(await b.arrayBuffer());
    expect(bytesB).toEqual(bytesA);
    expect(b.headers.get("etag")).toBe(a.headers.get("etag"));
    const stored = await shared.get(`samples/v1/tiny-biflow/${OLD}/1/g0.50/5.png`);
    expect(stored?.bytes).toEqual(bytesA);
    expect(stored?.etag).toBe(a.headers.get("etag"));
    const races = one.telemetry.writeRaces.get() + two.telemetry.writeRaces.get();
    expect(races).toBe(1);
    expect([a, b].map((r) => r.headers.get("x-sample-source")).sort()).toEqual(["computed", "store"]);
  });
});
