// The Worker's bound on computations in flight (src/bounded-sampler.ts): past the bound a
// request for an uncached sample gets 503 overloaded with Retry-After at once, while cached
// samples are still served; a timed-out batch's signal is aborted so queued work is dropped.

import { afterEach, describe, expect, it, vi } from "vitest";
import { BoundedSampler, boundedDecoder, boundedEncoder } from "../../src/bounded-sampler.js";
import { FakeSampler, fixtureRegistry, makeTestApp } from "../helpers/fixtures.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("BoundedSampler in the app", () => {
  it("answers 503 + Retry-After beyond the bound and serves cache hits meanwhile", async () => {
    const inner = new FakeSampler();
    const bounded = new BoundedSampler(inner, 2, 3);
    const t = await makeTestApp({ samplers: [bounded] });
    const cached = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/coat/1.png?guidance=1.00");
    expect(cached.status).toBe(200);
    let release = () => undefined as void;
    inner.gate = new Promise<void>((resolve) => (release = resolve));
    const held = [10, 11].map((seed) =>
      Promise.resolve(t.app.request(`/v1/samples/tiny-biflow@0.0.1-fixture/coat/${seed}.png?guidance=1.00`)),
    );
    await vi.waitFor(() => expect(bounded.active).toBe(2));
    const refused = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/coat/12.png?guidance=1.00");
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([503, "3"]);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("overloaded");
    const hit = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/coat/1.png?guidance=1.00");
    expect([hit.status, hit.headers.get("x-sample-source")]).toEqual([200, "cache"]);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect(bounded.active).toBe(0);
  });

  it("aborts the batch's signal when the request times out", async () => {
    vi.useFakeTimers();
    const inner = new FakeSampler();
    inner.gate = new Promise<void>(() => undefined);
    const t = await makeTestApp({ samplers: [inner] }, { SAMPLE_TIMEOUT_MS: "1000" });
    const pending = t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/coat/5.png?guidance=1.00");
    await vi.advanceTimersByTimeAsync(1000);
    expect((await pending).status).toBe(504);
    expect(inner.batches[0]?.signal?.aborted).toBe(true);
  });
});

describe("boundedDecoder", () => {
  it("counts decodes against the sampler's bound and refuses past it", async () => {
    const inner = new FakeSampler();
    const bounded = new BoundedSampler(inner, 1, 4);
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const decoder = boundedDecoder(bounded, {
      name: "fake",
      accepts: () => true,
      decode: async () => {
        await gate;
        return [];
      },
    });
    const batch = { classInput: 0, noise: new Float32Array(0), count: 0, guidance: 0 } as const;
    const t = await makeTestApp({ samplers: [bounded] });
    const model = (await fixtureRegistry()).list()[0];
    if (model === undefined) throw new Error("no fixture model");
    const held = decoder.decode({ ...batch, model });
    expect(bounded.active).toBe(1);
    await expect(decoder.decode({ ...batch, model })).rejects.toMatchObject({ type: "overloaded" });
    const refused = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/coat/40.png?guidance=1.00");
    expect(refused.status).toBe(503);
    release();
    await held;
    expect(bounded.active).toBe(0);
  });
});

describe("boundedEncoder", () => {
  it("counts F's runs against the sampler's bound: an encode in flight refuses a sample past it", async () => {
    const bounded = new BoundedSampler(new FakeSampler(), 1, 4);
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const encoder = boundedEncoder(bounded, {
      name: "fake",
      accepts: () => true,
      encode: async () => {
        await gate;
        return [];
      },
    });
    const t = await makeTestApp({ samplers: [bounded] });
    const model = (await fixtureRegistry()).list()[0];
    if (model === undefined) throw new Error("no fixture model");
    const held = encoder.encode({ model, classInput: 0, images: new Float32Array(0), count: 0 });
    expect(bounded.active).toBe(1);
    const refused = await t.app.request("/v1/samples/tiny-biflow@0.0.1-fixture/coat/41.png?guidance=1.00");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("4");
    release();
    await held;
    expect(bounded.active).toBe(0);
  });
});
