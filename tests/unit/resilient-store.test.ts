// src/storage/resilient.ts with fake timers: a hung store fails within the deadline, a flaky
// one is retried a bounded number of times, and readiness is a cached check whose verdict
// flips only after STORE_HEALTH_HYSTERESIS results in a row.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import { ResilientStore, StoreTimeoutError } from "../../src/storage/resilient.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const options = { attemptTimeoutMs: 100, retries: 2, deadlineMs: 250, healthTtlMs: 1_000, hysteresis: 3 };
const now = () => Date.now();

describe("ResilientStore calls", () => {
  it("gives up on a store that never answers within the call's deadline", async () => {
    const inner = new MemoryObjectStore();
    let attempts = 0;
    inner.get = () => {
      attempts++;
      return new Promise(() => undefined);
    };
    const store = new ResilientStore(inner, { ...options, now });
    const outcome = store.get("k").then(
      () => "resolved",
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(250);
    expect(await outcome).toBeInstanceOf(StoreTimeoutError);
    // 100 ms, a 50 ms pause, 100 ms: the third attempt finds no time left.
    expect(attempts).toBe(2);
  });

  it("retries a failing call and returns the first success", async () => {
    const inner = new MemoryObjectStore();
    await inner.put("k", new Uint8Array([7]), { contentType: "image/png" });
    const real = inner.get.bind(inner);
    let attempts = 0;
    inner.get = (key) => (++attempts < 3 ? Promise.reject(new Error("blip")) : real(key));
    const store = new ResilientStore(inner, { ...options, deadlineMs: 1_000, now });
    const result = store.get("k");
    await vi.advanceTimersByTimeAsync(200);
    expect([...((await result)?.bytes ?? [])]).toEqual([7]);
    expect(attempts).toBe(3);
  });
});

describe("ResilientStore readiness", () => {
  it("reuses a check for its TTL and flips only after three results in a row", async () => {
    const inner = new MemoryObjectStore();
    let healthy = true;
    let checks = 0;
    inner.health = () => {
      checks++;
      return Promise.resolve({ ok: healthy, detail: healthy ? "up" : "down" });
    };
    const store = new ResilientStore(inner, { ...options, now });
    expect((await store.health()).ok).toBe(true);
    expect((await store.health()).ok).toBe(true);
    expect(checks).toBe(1);
    healthy = false;
    const verdicts: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await store.health();
      await vi.advanceTimersByTimeAsync(0);
      verdicts.push((await store.health()).ok);
    }
    expect(verdicts).toEqual([true, true, false, false]);
    expect(checks).toBe(5);
    healthy = true;
    const back: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await store.health();
      await vi.advanceTimersByTimeAsync(0);
      back.push((await store.health()).ok);
    }
    expect(back).toEqual([false, false, true]);
  });
});
