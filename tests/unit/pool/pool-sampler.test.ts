// The backend pool Sampler against in-memory backends: health-gated routing by model,
// least-outstanding choice, retries (connection error, 5xx, at most twice per backend),
// the signed probe (a backend with another secret is unusable, with its cause named),
// circuit breaker, deadline, and the keys it checks.

import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../../src/errors.js";
import type { LogFields, Logger } from "../../../src/logger.js";
import { Registry } from "../../../src/metrics.js";
import type { ModelEntry } from "../../../src/models/registry.js";
import type { PoolConfig } from "../../../src/pool/config.js";
import { noiseFromWire } from "../../../src/contract/noise-wire.js";
import { PoolDecoder } from "../../../src/pool/pool-decoder.js";
import { PoolSampler } from "../../../src/pool/pool-sampler.js";
import { fixtureRegistry } from "../../helpers/fixtures.js";
import { SECRET, fakeBackend, fakeFetch, type Behaviour, type FakeBackend } from "./fake-backends.js";

let model: ModelEntry;
beforeAll(async () => {
  const registry = await fixtureRegistry();
  const entry = registry.get("tiny-biflow");
  if (entry === undefined) throw new Error("fixture model missing");
  model = entry;
});
afterEach(() => {
  vi.useRealTimers();
});

const CONFIG: PoolConfig = {
  urls: [],
  secret: SECRET,
  healthIntervalMs: 1000,
  healthTimeoutMs: 500,
  attemptTimeoutMs: 10_000,
  breakerFailures: 3,
  breakerOpenMs: 5000,
  backendUploads: false,
};

const clock = { now: () => Date.now(), monotonic: () => Date.now() };

type Line = { level: string; message: string; fields: LogFields };

function pool(backends: FakeBackend[], overrides: Partial<PoolConfig> = {}, deadlineMs = 30_000) {
  const registry = new Registry();
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      lines.push({ level, message, fields });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const sampler = new PoolSampler({
    config: { ...CONFIG, urls: backends.map((b) => b.url), ...overrides },
    deadlineMs,
    registry,
    fetch: fakeFetch(backends, () => Date.now()),
    clock,
    logger,
  });
  return { sampler, registry, lines };
}

function backends(...scripts: Behaviour[][]): FakeBackend[] {
  return scripts.map((script, i) =>
    fakeBackend(`http://gpu-${i}:8080`, [{ id: model.manifest.id, version: model.manifest.version }], script),
  );
}

const batch = (seeds: number[] = [5, 6]) => ({ model, classInput: 7, seeds, guidance: 1.5 });

/** Fake time, but real setImmediate: signing (crypto.subtle) settles off the timer queue. */
function fakeTime(): void {
  vi.useFakeTimers({
    now: 1_800_000_000_000,
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
}

/**
 * Lets real asynchronous work (hashing, signing) run until `cond` holds. Bounded by real
 * time, not by a count of turns: crypto.subtle signs on libuv's thread pool, which a loaded
 * machine can hold up for longer than a thousand quick turns of the event loop (CI saw it).
 * `performance` is not among the faked clocks, so this deadline is wall time.
 */
async function until(cond: () => boolean, wallMs = 10_000): Promise<void> {
  const deadline = performance.now() + wallMs;
  while (!cond() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  expect(cond()).toBe(true);
}

describe("PoolSampler signed probe", () => {
  it("never routes to a backend with another secret, says why once, and recovers when it matches", async () => {
    const [a] = backends(["ok"]);
    if (a === undefined) throw new Error("no backend");
    a.secret = "another-secret-0123456789abcdefghij";
    const { sampler, lines } = pool([a]);
    await sampler.checkAll();
    await sampler.checkAll();
    expect(sampler.accepts(model, 1)).toBe(false);
    expect(a.requests).toEqual([]);
    const health = await sampler.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toBe(
      "0/1 backends up: backend 0 unusable: the backend refused the router's signature (401: the request's signature does not match): BACKEND_SECRET differs from the backend's",
    );
    // One line for the whole state, not one per round.
    expect(lines.filter((l) => l.level === "error")).toEqual([
      {
        level: "error",
        message: "backend unusable",
        fields: {
          backend: "gpu-0:8080",
          cause: "unauthorized",
          detail: expect.stringContaining("BACKEND_SECRET") as unknown,
        },
      },
    ]);
    a.secret = SECRET;
    await sampler.checkAll();
    expect(sampler.accepts(model, 1)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ level: "info", message: "backend usable again" });
  });

  it("names a backend without the handshake (older) and an unreachable one", async () => {
    const [a] = backends(["ok"]);
    if (a === undefined) throw new Error("no backend");
    const registry = new Registry();
    const old = new PoolSampler({
      config: { ...CONFIG, urls: [a.url, "http://gone:1"] },
      deadlineMs: 1000,
      registry,
      clock,
      fetch: (input) =>
        input.startsWith(a.url)
          ? Promise.resolve(
              new Response(JSON.stringify({ error: { type: "not_found", message: "no such route" } }), { status: 404 }),
            )
          : Promise.reject(new TypeError("fetch failed")),
    });
    await old.checkAll();
    expect((await old.health()).detail).toBe(
      "0/2 backends up: backend 0 unusable: the backend has no /v1/handshake (404): it is older than this router; upgrade it; backend 1 unusable: the backend is unreachable (TypeError)",
    );
  });
});

describe("PoolSampler routing", () => {
  it("accepts a GPU-placed model only once a backend serving it passed a health check", async () => {
    const [a] = backends(["ok"]);
    if (a === undefined) throw new Error("no backend");
    const { sampler } = pool([a]);
    expect(sampler.accepts(model, 2)).toBe(false);
    await sampler.checkAll();
    expect(sampler.accepts(model, 2)).toBe(true);
    expect(sampler.accepts(model, 65)).toBe(false);
    const other = { ...model, ref: "other@1" };
    expect(sampler.accepts(other, 1)).toBe(false);
    a.ready = false;
    await sampler.checkAll();
    expect(sampler.accepts(model, 1)).toBe(false);
    expect(await sampler.health()).toEqual({
      ok: false,
      detail: "0/1 backends up: backend 0 unusable: the backend is not ready (503)",
    });
  });

  it("sends a signed contract-1 request and returns the PNGs in seed order", async () => {
    const [a] = backends(["ok"]);
    if (a === undefined) throw new Error("no backend");
    const { sampler, registry } = pool([a]);
    await sampler.checkAll();
    const images = await sampler.sample({ ...batch([9, 10]), classInput: model.manifest.null_class });
    expect(images.map((i) => [i.seed, i.png[0], i.stored])).toEqual([
      [9, 9, false],
      [10, 10, false],
    ]);
    expect(a.requests[0]).toMatchObject({
      contract: 1,
      model: "tiny-biflow",
      class: null,
      guidance: 1.5,
      output: "inline",
    });
    expect(a.requests[0]?.timeout_ms).toBeLessThanOrEqual(10_000);
    expect(registry.render()).toContain('biflow_pool_attempts_total{backend="0",outcome="ok"} 1');
  });

  it("asks for s3+inline and marks images stored when backends upload", async () => {
    const [a] = backends(["ok"]);
    if (a === undefined) throw new Error("no backend");
    const { sampler } = pool([a], { backendUploads: true });
    await sampler.checkAll();
    const images = await sampler.sample(batch());
    expect(a.requests[0]?.output).toBe("s3+inline");
    expect(images.every((i) => i.stored === true)).toBe(true);
  });

  it("sends each request to the backend with the fewest outstanding", async () => {
    const [a, b] = backends(["hang"], ["hang"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b]);
    await sampler.checkAll();
    const first = sampler.sample(batch([1]));
    await vi.waitFor(() => expect(a.requests.length + b.requests.length).toBe(1));
    const second = sampler.sample(batch([2]));
    await vi.waitFor(() => expect(a.requests.length + b.requests.length).toBe(2));
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
    for (const release of [...a.held, ...b.held]) release();
    expect((await first)[0]?.seed).toBe(1);
    expect((await second)[0]?.seed).toBe(2);
  });
});

describe("PoolDecoder (contract 3)", () => {
  it("decodes only where a backend lists contract 3, and sends it the noise there alone", async () => {
    const [old, current] = backends(["ok"], ["ok"]);
    if (old === undefined || current === undefined) throw new Error("no backend");
    old.contracts = [1, 2];
    const { sampler } = pool([old]);
    await sampler.checkAll();
    expect(new PoolDecoder(sampler).accepts(model)).toBe(false);

    current.contracts = [1, 2, 3];
    const both = pool([old, current]).sampler;
    await both.checkAll();
    const decoder = new PoolDecoder(both);
    expect(decoder.accepts(model)).toBe(true);
    expect(decoder.decodesExact(model)).toBe(false); // no backend announced exact
    const noise = Float32Array.from({ length: 784 * 2 }, (_, i) => i / 1000);
    // The fake answers bytes that are no PNG: the request, not the images, is under test here.
    await decoder.decode({ model, classInput: 3, noise, count: 2, guidance: 1 }).catch((e: unknown) => e);
    expect(old.requests).toEqual([]);
    expect(current.requests[0]).toMatchObject({ contract: 3, class: 3, seeds: [0, 1], output: "inline" });
    expect(noiseFromWire(current.requests[0]?.noise ?? "", 784 * 2)).toEqual(noise);
  });
});

describe("PoolSampler retries", () => {
  it("retries on another backend after a 5xx", async () => {
    const [a, b] = backends(["500"], ["ok"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler, registry } = pool([a, b]);
    await sampler.checkAll();
    // Whichever is chosen first, exactly one 500 happens before an answer.
    for (let i = 0; i < 4; i++) expect((await sampler.sample(batch([i])))[0]?.seed).toBe(i);
    expect(registry.render()).toMatch(/biflow_pool_attempts_total\{backend="0",outcome="server_error"\} [1-4]/);
    expect(b.requests.length).toBe(4);
  });

  it("retries after a refused connection and stops choosing that backend until it is healthy", async () => {
    const [a, b] = backends(["refuse"], ["ok"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b]);
    await sampler.checkAll();
    await sampler.sample(batch([1]));
    await sampler.sample(batch([2]));
    await sampler.sample(batch([3]));
    expect(a.requests.length).toBeLessThanOrEqual(1);
    expect(b.requests.length).toBe(3);
    expect((await sampler.health()).detail).toMatch(/^1\/2 backends up/);
  });

  it("tries one backend at most twice, then answers 503 with Retry-After", async () => {
    const [a] = backends(["500"]);
    if (a === undefined) throw new Error("no backend");
    const { sampler } = pool([a], { breakerFailures: 10 });
    await sampler.checkAll();
    const err = await sampler.sample(batch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).type).toBe("sampler_unavailable");
    expect((err as ApiError).headers["retry-after"]).toBe("5");
    expect(a.requests.length).toBe(2);
  });

  it("tries every backend at most twice over a run of failures", async () => {
    const [a, b, c] = backends(["503"], ["500"], ["503"]);
    if (a === undefined || b === undefined || c === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b, c], { breakerFailures: 10 });
    await sampler.checkAll();
    await expect(sampler.sample(batch())).rejects.toThrow(/no GPU backend could serve/);
    expect([a.requests.length, b.requests.length, c.requests.length]).toEqual([2, 2, 2]);
  });

  it("moves on when a backend refuses the signature (401) and stops choosing it", async () => {
    const [a, b] = backends(["401"], ["ok"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b]);
    await sampler.checkAll();
    // Both passed the probe; then a's secret changed (a rotation on one side only).
    await sampler.sample(batch());
    await sampler.sample(batch());
    expect([a.requests.length, b.requests.length]).toEqual([1, 2]);
    expect(sampler.backends[0]?.eligible(model.ref)).toBe(false);
    expect((await sampler.health()).detail).toContain(
      "backend 0 unusable: the backend refused the router's signature (401: the request's signature does not match): BACKEND_SECRET differs from the backend's",
    );
  });

  it("answers 503 sampler_unavailable, not 500, when every backend refuses the signature", async () => {
    const [a, b] = backends(["401"], ["401"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b]);
    await sampler.checkAll();
    const err = await sampler.sample(batch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).type).toBe("sampler_unavailable");
    expect((err as ApiError).headers["retry-after"]).toBe("5");
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
  });

  it("moves on when a backend no longer has the model, and forgets it there", async () => {
    const [a, b] = backends(["404"], ["404", "ok"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b]);
    await sampler.checkAll();
    await expect(sampler.sample(batch())).rejects.toThrow(/no GPU backend could serve/);
    expect(a.requests.length + b.requests.length).toBe(2);
    expect(sampler.accepts(model, 1)).toBe(false);
    await sampler.checkAll();
    expect((await sampler.sample(batch([4])))[0]?.seed).toBe(4);
  });

  it("refuses answers whose keys are not the router's keys", async () => {
    const [a] = backends(["bad-key"]);
    if (a === undefined) throw new Error("no backend");
    const { sampler } = pool([a]);
    await sampler.checkAll();
    await expect(sampler.sample(batch())).rejects.toMatchObject({ type: "internal" });
  });
});

describe("PoolSampler breaker and deadline", () => {
  it("opens a backend's circuit after consecutive failures and skips it while open", async () => {
    fakeTime();
    const [a, b] = backends(["500", "500", "ok"], ["ok"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler, registry } = pool([a, b], { breakerFailures: 1, breakerOpenMs: 1000 });
    await sampler.checkAll();
    for (let i = 0; i < 6; i++) await sampler.sample(batch([i]));
    expect(a.requests.length).toBe(1);
    expect(registry.render()).toContain('biflow_pool_backend_breaker_state{backend="0"} 1');
    vi.advanceTimersByTime(1000);
    // Half-open: one trial reaches a (it fails: 500), and the circuit opens again.
    for (let i = 0; i < 4; i++) await sampler.sample(batch([i]));
    expect(a.requests.length).toBe(2);
    vi.advanceTimersByTime(1000);
    for (let i = 0; i < 4; i++) await sampler.sample(batch([i]));
    // The next trial succeeds ("ok"): closed, and a takes its share again.
    expect(a.requests.length).toBeGreaterThan(3);
    expect(registry.render()).toContain('biflow_pool_backend_breaker_state{backend="0"} 0');
  });

  it("abandons a silent backend after the attempt timeout and retries within the deadline", async () => {
    fakeTime();
    const [a, b] = backends(["hang"], ["hang"]);
    if (a === undefined || b === undefined) throw new Error("no backend");
    const { sampler } = pool([a, b], { attemptTimeoutMs: 600, breakerFailures: 10 }, 1000);
    await sampler.checkAll();
    const result = sampler.sample(batch()).catch((e: unknown) => e);
    await until(() => a.requests.length + b.requests.length === 1);
    await vi.advanceTimersByTimeAsync(600);
    await until(() => a.requests.length + b.requests.length === 2);
    // The second attempt gets only what is left of the deadline: 400 ms, then 504.
    expect([...a.requests, ...b.requests].map((r) => r.timeout_ms)).toEqual([600, 400]);
    await vi.advanceTimersByTimeAsync(400);
    const err = (await result) as ApiError;
    expect(err.type).toBe("sampler_timeout");
    expect(err.status).toBe(504);
  });
});
