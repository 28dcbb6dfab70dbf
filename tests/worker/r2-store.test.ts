// First writer wins on R2, for real: Miniflare's R2 implements `onlyIf` with a wildcard
// `etagDoesNotMatch`, so of many racing puts of one key exactly one writes, and every
// reader then gets its bytes and the ETag it kept as custom metadata.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { R2ObjectStore } from "../../src/storage/r2.js";

describe("R2ObjectStore.put (in workerd)", () => {
  it("lets exactly one of racing writers store a key, and keeps its bytes and ETag", async () => {
    const store = new R2ObjectStore(env.SAMPLES);
    const key = "samples/v1/r2-race/1.0.0/null/g1.00/1.png";
    const writers = Array.from({ length: 16 }, (_, i) => ({
      bytes: new Uint8Array(4096).fill(i),
      etag: `"${i.toString(16).padStart(32, "0")}"`,
    }));
    const outcomes = await Promise.all(
      writers.map((w) => store.put(key, w.bytes, { contentType: "image/png", etag: w.etag })),
    );
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    const winner = writers[outcomes.indexOf("created")];
    expect(await store.get(key)).toEqual({ bytes: winner?.bytes, contentType: "image/png", etag: winner?.etag });
    expect(await store.head(key)).toEqual({ size: 4096, contentType: "image/png", etag: winner?.etag });

    expect(await store.put(key, new Uint8Array([1]), { contentType: "image/png" })).toBe("exists");
    expect((await store.get(key))?.bytes).toEqual(winner?.bytes);
  });
});
