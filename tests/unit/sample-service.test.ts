// The lookup pipeline under failure and time: a slow sampler times out (fake timers, no
// sleeping), a broken store is a 503, a broken cache degrades to a miss.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { CachedSample, SampleCache } from "../../src/cache/sample-cache.js";
import { ApiError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { SampleService } from "../../src/samples/service.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import { Telemetry } from "../../src/telemetry.js";
import { FakeSampler, fixtureRegistry } from "../helpers/fixtures.js";
import { LruSampleCache } from "../../src/cache/lru.js";
import type { Clock } from "../../src/clock.js";

afterEach(() => {
  vi.useRealTimers();
});

async function setup(overrides: { store?: MemoryObjectStore; cache?: SampleCache; clock?: Clock } = {}) {
  const sampler = new FakeSampler();
  const telemetry = new Telemetry();
  const registry = await fixtureRegistry();
  const model = registry.get("tiny-biflow");
  if (model === undefined) throw new Error("fixture model missing");
  const service = new SampleService({
    samplers: [sampler],
    store: overrides.store ?? new MemoryObjectStore(),
    cache: overrides.cache ?? new LruSampleCache(1 << 20),
    telemetry,
    logger: silentLogger,
    clock: overrides.clock ?? { now: () => 0, monotonic: () => performance.now() },
    sampleTimeoutMs: 5_000,
  });
  return { sampler, telemetry, service, target: { model, classIndex: 3, seeds: [1, 2], guidance: 1 } };
}

describe("SampleService", () => {
  it("fails with sampler_timeout (504) when the sampler exceeds SAMPLE_TIMEOUT_MS", async () => {
    vi.useFakeTimers();
    const { sampler, service, target, telemetry } = await setup();
    sampler.gate = new Promise(() => undefined); // never finishes
    const pending = service.resolve(target);
    const outcome = pending.catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(sampler.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).type).toBe("sampler_timeout");
    expect((err as ApiError).status).toBe(504);
    expect(telemetry.samplerCalls.get({ sampler: "fake", model: "tiny-biflow", outcome: "timeout" })).toBe(1);
  });

  it("records sampler latency from the injected clock", async () => {
    let t = 0;
    const clock = { now: () => 0, monotonic: () => (t += 250) };
    const { service, target, telemetry } = await setup({ clock });
    await service.resolve(target);
    expect(telemetry.render()).toMatch(
      /biflow_sampler_duration_seconds_sum\{sampler="fake",model="tiny-biflow"\} 0\.25\n/,
    );
  });

  it("answers storage_unavailable (503) when the store fails, computing nothing", async () => {
    const store = new MemoryObjectStore();
    store.get = () => Promise.reject(new Error("ECONNRESET"));
    const { service, target, sampler } = await setup({ store });
    await expect(service.resolve(target)).rejects.toMatchObject({ type: "storage_unavailable", status: 503 });
    expect(sampler.calls).toBe(0);
  });

  it("treats a failing cache as a miss", async () => {
    const broken: SampleCache = {
      name: "broken",
      get: () => Promise.reject(new Error("cache down")),
      put: (_key: string, _s: CachedSample) => Promise.reject(new Error("cache down")),
    };
    const { service, target, sampler } = await setup({ cache: broken });
    const first = await service.resolve(target);
    expect(first.map((s) => s.source)).toEqual(["computed", "computed"]);
    const second = await service.resolve(target);
    expect(second.map((s) => s.source)).toEqual(["store", "store"]);
    expect(sampler.calls).toBe(1);
  });

  it("refuses a sampler that returns images for other seeds", async () => {
    const { service, target, sampler } = await setup();
    const original = sampler.sample.bind(sampler);
    sampler.sample = async (batch) => (await original(batch)).reverse();
    await expect(service.resolve(target)).rejects.toThrow(/do not match the seeds/);
  });
});
