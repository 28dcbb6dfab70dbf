// The Node adapters: the local directory object store (atomic writes, first writer wins,
// ETags kept beside, no escaping its root) and model discovery by scanning manifests.

import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../node/fs-object-store.js";
import { scanModelsDir } from "../../engine/models-dir.js";
import { silentLogger } from "../../src/logger.js";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "biflow-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("FsObjectStore", () => {
  it("puts, gets and heads objects by key, leaving no temporary files", async () => {
    const store = new FsObjectStore(dir);
    const key = "samples/v1/m/1.0.0/null/g1.00/42.png";
    expect(await store.get(key)).toBeUndefined();
    expect(await store.head(key)).toBeUndefined();
    expect(await store.put(key, new Uint8Array([1, 2, 3]), { contentType: "image/png" })).toBe("created");
    expect(await store.get(key)).toEqual({ bytes: new Uint8Array([1, 2, 3]), contentType: "image/png" });
    expect(await store.head(key)).toEqual({ size: 3, contentType: "image/png" });
    expect(await readdir(path.join(dir, "samples/v1/m/1.0.0/null/g1.00"))).toEqual(["42.png"]);
    expect(await store.objectUrl()).toBeUndefined();
    expect((await store.health()).ok).toBe(true);
  });

  it("keeps the first of racing writes of a key, with its ETag, whole", async () => {
    const store = new FsObjectStore(dir);
    const key = "samples/v1/m/1.0.0/7/g1.00/1.png";
    // 64 writers, each with other bytes (16 KiB, so writes interleave) and its own ETag.
    const writes = Array.from({ length: 64 }, (_, i) => ({
      bytes: new Uint8Array(16_384).fill(i),
      etag: `"${i.toString(16).padStart(32, "0")}"`,
    }));
    const outcomes = await Promise.all(
      writes.map((w) => store.put(key, w.bytes, { contentType: "image/png", etag: w.etag })),
    );
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    const winner = writes[outcomes.indexOf("created")];
    expect(await store.get(key)).toEqual({ bytes: winner?.bytes, contentType: "image/png", etag: winner?.etag });
    expect(await store.head(key)).toEqual({ size: 16_384, contentType: "image/png", etag: winner?.etag });
    // A later put changes nothing either.
    expect(await store.put(key, new Uint8Array([9]), { contentType: "image/png", etag: '"09"' })).toBe("exists");
    expect((await store.get(key))?.bytes).toEqual(winner?.bytes);
    expect(await readdir(path.join(dir, "samples/v1/m/1.0.0/7/g1.00"))).toEqual(["1.png"]);
  });

  it.each(["../escape.png", "a/../../b.png", "/abs.png", "a//b.png", "a/./b.png", ""])(
    "refuses key %j",
    async (key) => {
      const store = new FsObjectStore(dir);
      await expect(store.put(key, new Uint8Array(1), { contentType: "image/png" })).rejects.toThrow(RangeError);
    },
  );
});

describe("scanModelsDir", () => {
  it("registers every folder with a valid manifest, skips others and reports broken ones", async () => {
    await cp(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"), path.join(dir, "tiny-biflow"), { recursive: true });
    await mkdir(path.join(dir, "train")); // no manifest: not a model, silently ignored
    await mkdir(path.join(dir, "broken"));
    await writeFile(path.join(dir, "broken", "manifest.json"), JSON.stringify({ schema: 1, id: "broken" }));
    await cp(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"), path.join(dir, "z-duplicate"), { recursive: true });
    const { registry, skipped } = await scanModelsDir(dir, silentLogger);
    expect(registry.list().map((m) => m.ref)).toEqual(["tiny-biflow@0.0.1-fixture"]);
    expect(skipped.map((s) => path.basename(s.folder))).toEqual(["broken", "z-duplicate"]);
    expect(skipped[0]?.reason).toMatch(/invalid manifest/);
    expect(skipped[1]?.reason).toMatch(/already served/);
  });

  it("picks up a new model folder with no code change", async () => {
    await cp(path.join(FIXTURE_MODELS_DIR, "tiny-rgb"), path.join(dir, "another"), { recursive: true });
    const { registry } = await scanModelsDir(dir, silentLogger);
    expect(registry.get("tiny-rgb")?.manifest.image).toEqual({ channels: 3, height: 8, width: 8 });
  });
});
