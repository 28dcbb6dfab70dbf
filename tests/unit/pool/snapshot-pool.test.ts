// The pool where no timer runs (Workers): the owner probes and sums what isolates report;
// an isolate routes on its snapshot, waits for the owner only when it has none (or a very
// old one), never longer than waitMs, and keeps a failed backend down until a newer probe.

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/logger.js";
import { Registry } from "../../../src/metrics.js";
import type { ModelEntry } from "../../../src/models/registry.js";
import type { PoolConfig, SnapshotConfig } from "../../../src/pool/config.js";
import { PoolOwner, type IsolateReport, type PoolSettings, type PoolSnapshot } from "../../../src/pool/pool-owner.js";
import { SnapshotPool } from "../../../src/pool/snapshot-pool.js";
import { fixtureRegistry } from "../../helpers/fixtures.js";
import { SECRET, fakeBackend, fakeFetch, type FakeBackend } from "./fake-backends.js";

let model: ModelEntry;
beforeAll(async () => {
  const entry = (await fixtureRegistry()).get("tiny-biflow");
  if (entry === undefined) throw new Error("fixture model missing");
  model = entry;
  vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterAll(() => {
  vi.useRealTimers();
});

const clock = { now: () => Date.now(), monotonic: () => Date.now() };
const SNAPSHOT: SnapshotConfig = { refreshMs: 1000, maxAgeMs: 5000, waitMs: 250 };

function config(backends: readonly FakeBackend[]): PoolConfig {
  return {
    urls: backends.map((b) => b.url),
    secret: SECRET,
    healthIntervalMs: 1000,
    healthTimeoutMs: 500,
    attemptTimeoutMs: 10_000,
    breakerFailures: 2,
    breakerOpenMs: 5000,
    backendUploads: false,
  };
}

function backends(n: number): FakeBackend[] {
  return Array.from({ length: n }, (_, i) =>
    fakeBackend(`http://gpu-${i}:8080`, [{ id: model.manifest.id, version: model.manifest.version }]),
  );
}

function owner(list: FakeBackend[], secret = SECRET): PoolOwner {
  return new PoolOwner({ ...config(list), secret }, { fetch: fakeFetch(list, Date.now), clock, logger: silentLogger });
}

/** An isolate whose owner is `own`, through a sync that the test can also make hang or fail. */
function isolate(
  list: FakeBackend[],
  own: PoolOwner,
  sync?: (s: PoolSettings, r: IsolateReport) => Promise<PoolSnapshot>,
) {
  /** Reports the owner has answered. */
  const calls: IsolateReport[] = [];
  const pool = new SnapshotPool({
    config: config(list),
    snapshot: SNAPSHOT,
    deadlineMs: 30_000,
    registry: new Registry(),
    fetch: fakeFetch(list, Date.now),
    clock,
    sync:
      sync ??
      (async (_settings, report) => {
        if (own.stale()) await own.probe();
        await Promise.resolve();
        calls.push(report);
        return own.sync(report);
      }),
  });
  return { pool, calls };
}

const batch = (seeds: number[]) => ({ model, classInput: 7, seeds, guidance: 1.5 });

describe("an isolate's snapshot", () => {
  it("is fetched before the first routing; fresh ones cost no call, aging ones refresh in the background", async () => {
    const list = backends(1);
    const { pool, calls } = isolate(list, owner(list));
    expect(pool.sampler.accepts(model, 1)).toBe(false);
    await pool.prepare();
    expect(calls).toHaveLength(1);
    expect(pool.sampler.accepts(model, 1)).toBe(true);

    await pool.prepare();
    expect(calls).toHaveLength(1);

    vi.advanceTimersByTime(1500);
    const prepared = pool.prepare();
    // Returned before the owner answered: the refresh is pending, not awaited.
    expect(calls).toHaveLength(1);
    await prepared;
    await pool.pending();
    expect(calls).toHaveLength(2);
  });

  it("fails open after waitMs when the owner does not answer, and does not wait again at once", async () => {
    const list = backends(1);
    const own = owner(list);
    let hang = false;
    const { pool } = isolate(list, own, async (_s, report) => {
      if (hang) return new Promise<PoolSnapshot>(() => undefined);
      if (own.stale()) await own.probe();
      return own.sync(report);
    });
    await pool.prepare();
    hang = true;
    vi.advanceTimersByTime(SNAPSHOT.maxAgeMs + 1);
    const prepared = pool.prepare();
    await vi.advanceTimersByTimeAsync(SNAPSHOT.waitMs);
    await prepared;
    // Still routed on the last snapshot.
    expect(pool.sampler.accepts(model, 1)).toBe(true);
    // The next request does not wait on the silent owner again.
    let settled = false;
    void pool.prepare().then(() => (settled = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
  });

  it("keeps a backend that refused a connection down until a probe newer than the failure passes", async () => {
    const list = backends(2);
    const own = owner(list);
    const { pool } = isolate(list, own);
    await pool.prepare();
    const [a, b] = list;
    if (a === undefined || b === undefined) throw new Error("no backends");
    a.script = ["refuse"];
    b.script = ["refuse"];
    await expect(pool.sampler.sample(batch([1]))).rejects.toMatchObject({ type: "sampler_unavailable" });
    expect(pool.sampler.accepts(model, 1)).toBe(false);
    // The owner's snapshot predates the failures (its probe ran before): they stay down.
    vi.advanceTimersByTime(SNAPSHOT.refreshMs);
    await pool.prepare();
    await pool.pending();
    expect(pool.sampler.accepts(model, 1)).toBe(false);
    // A newer probe that passes brings them back.
    a.script = ["ok"];
    b.script = ["ok"];
    vi.advanceTimersByTime(SNAPSHOT.refreshMs);
    await own.probe();
    await pool.prepare();
    await pool.pending();
    expect(pool.sampler.accepts(model, 1)).toBe(true);
  });
});

describe("the pool's owner", () => {
  it("sums the requests other isolates have in flight and opens the breaker on their reported failures", async () => {
    const list = backends(2);
    const own = owner(list);
    await own.probe();
    const [a, b] = list.map((x) => x.url);
    if (a === undefined || b === undefined) throw new Error("no backends");
    own.sync({ isolate: "i1", outstanding: { [a]: 3 }, outcomes: [] });
    own.sync({ isolate: "i2", outstanding: { [a]: 2, [b]: 1 }, outcomes: [] });
    const seenBy1 = own.sync({
      isolate: "i1",
      outstanding: { [a]: 1 },
      outcomes: [
        { url: b, outcome: "connection_error" },
        { url: b, outcome: "server_error" },
      ],
    });
    // i1 sees i2's counts only; i2 sees i1's latest.
    expect(seenBy1.backends.map((x) => x.outstanding)).toEqual([2, 1]);
    expect(own.sync({ isolate: "i2", outstanding: {}, outcomes: [] }).backends.map((x) => x.outstanding)).toEqual([
      1, 0,
    ]);
    // Two reported failures reach breakerFailures: open for every isolate.
    expect(seenBy1.backends.map((x) => x.breaker)).toEqual(["closed", "open"]);
  });

  it("lets an isolate skip a backend whose shared breaker is open, though its own breaker is closed", async () => {
    const list = backends(2);
    const own = owner(list);
    const { pool } = isolate(list, own);
    const [a, b] = list;
    if (a === undefined || b === undefined) throw new Error("no backends");
    own.sync({
      isolate: "other",
      outstanding: {},
      outcomes: [
        { url: a.url, outcome: "timeout" },
        { url: a.url, outcome: "timeout" },
      ],
    });
    await pool.prepare();
    await pool.sampler.sample(batch([1]));
    await pool.sampler.sample(batch([2]));
    expect([a.requests.length, b.requests.length]).toEqual([0, 2]);
  });

  it("probes with the isolates' secret: with another one than the backends', none is usable", async () => {
    const list = backends(2);
    const own = owner(list, "another-secret-0123456789abcdef-xyz");
    await own.probe();
    const snapshot = own.sync({ isolate: "i", outstanding: {}, outcomes: [] });
    expect(snapshot.backends.map((b) => b.up)).toEqual([false, false]);
    const { pool } = isolate(list, own);
    await pool.prepare();
    expect(pool.sampler.accepts(model, 1)).toBe(false);
  });

  it("says it is stale before its first probe and two intervals after its last", async () => {
    const own = owner(backends(1));
    expect(own.stale()).toBe(true);
    await own.probe();
    expect(own.stale()).toBe(false);
    vi.advanceTimersByTime(2001);
    expect(own.stale()).toBe(true);
  });
});
