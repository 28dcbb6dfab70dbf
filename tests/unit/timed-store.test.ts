// Store latency on /metrics: every get, head and put is timed once, outside its retries, with
// its outcome; a failed call is timed too and still rejects.

import { describe, expect, it } from "vitest";
import { Registry } from "../../src/metrics.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import type { ObjectStore } from "../../src/storage/object-store.js";
import { timedStore } from "../../src/storage/timed.js";

function setUp(inner: ObjectStore) {
  const registry = new Registry();
  const seconds = registry.histogram("store_seconds", "Store calls.", ["operation", "outcome"], [0.01, 1]);
  // Each call reads the clock twice (start, end), which moves 2.5 ms per read: every call lasts 2.5 ms.
  let t = 0;
  const clock = () => {
    const now = t;
    t += 2.5;
    return now;
  };
  return { registry, store: timedStore(inner, seconds, clock) };
}

describe("timedStore", () => {
  it("times each call by operation and outcome and passes results through", async () => {
    const { registry, store } = setUp(new MemoryObjectStore());
    const png = new Uint8Array([1, 2, 3]);
    expect(await store.put("k", png, { contentType: "image/png" })).toBe("created");
    expect(await store.put("k", png, { contentType: "image/png" })).toBe("exists");
    expect((await store.get("k"))?.bytes).toEqual(png);
    expect(await store.head("missing")).toBeUndefined();
    const text = registry.render();
    expect(text).toContain('store_seconds_count{operation="put",outcome="ok"} 2\n');
    expect(text).toContain('store_seconds_sum{operation="put",outcome="ok"} 0.005\n');
    expect(text).toContain('store_seconds_count{operation="get",outcome="ok"} 1\n');
    expect(text).toContain('store_seconds_bucket{operation="head",outcome="ok",le="0.01"} 1\n');
  });

  it("times a failing call as an error and rethrows the store's error", async () => {
    const memory = new MemoryObjectStore();
    const broken: ObjectStore = {
      name: "broken",
      get: () => Promise.reject(new Error("connection reset")),
      head: (key) => memory.head(key),
      put: (key, bytes, options) => memory.put(key, bytes, options),
      objectUrl: (key) => memory.objectUrl(key),
      health: () => memory.health(),
    };
    const { registry, store } = setUp(broken);
    await expect(store.get("k")).rejects.toThrow("connection reset");
    expect(registry.render()).toContain('store_seconds_count{operation="get",outcome="error"} 1\n');
  });
});
