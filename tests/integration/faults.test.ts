// Faults (issue 10), each against real processes on loopback: s3rver stopped mid-run (503 +
// Retry-After, never a URL to a missing object, service back when it returns); a store that
// accepts connections and never answers (503 within the store deadline); a GPU backend that
// hangs mid-load (SIGSTOP: the router retries on the other one within the deadline). After
// each, every URL handed out resolves to a PNG with the bytes and ETag first served.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BACKEND_SECRET, metricValue, startBackend } from "../helpers/backend.js";
import { freePort, startBlackHole } from "../helpers/black-hole.js";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";
import { KeepAliveClient, type RawResponse } from "../helpers/keepalive-client.js";
import { startRouter, startS3rver, type Running } from "../helpers/processes.js";
import { p, recordFigures } from "../helpers/reliability.js";
import { objectBytes, testS3Client } from "../helpers/s3.js";
import { BUCKET, S3RVER_CREDENTIALS, routerEnv } from "./global-setup.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Store settings small enough to keep the suite short; the deadline is what is asserted. */
const STORE = { STORE_TIMEOUT_MS: "300", STORE_RETRIES: "1", STORE_DEADLINE_MS: "800", STORE_HEALTH_TTL_MS: "200" };
const STORE_DEADLINE_MS = 800;
/** Slack for a compute of the tiny fixture model and a loaded machine, on top of a deadline. */
const SLACK_MS = 1_500;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

interface Handed {
  url: string;
  key: string;
  /** Bytes and ETag as first served (GET answers), to compare with later reads. */
  bytes?: Buffer;
  etag?: string;
}

function json(res: RawResponse): unknown {
  return JSON.parse(res.body.toString()) as unknown;
}

function postSample(client: KeepAliveClient, seed: number): Promise<RawResponse> {
  return client.send({
    method: "POST",
    path: "/v1/samples",
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ model: "tiny-biflow", n: 1, class: seed % 10, seed, guidance: 1 })),
  });
}

/** Alternates POST /v1/samples and GET of a canonical URL, both for a fresh seed. */
async function oneRequest(client: KeepAliveClient, seed: number): Promise<{ res: RawResponse; handed?: Handed }> {
  if (seed % 2 === 0) {
    const res = await postSample(client, seed);
    if (res.status !== 200) return { res };
    const sample = (json(res) as { samples: { url: string; key: string }[] }).samples[0];
    return sample === undefined ? { res } : { res, handed: { url: sample.url, key: sample.key } };
  }
  const url = `/v1/samples/tiny-biflow@0.0.1-fixture/null/${seed}.png?guidance=1.00`;
  const res = await client.send({ method: "GET", path: url });
  if (res.status !== 200) return { res };
  return {
    res,
    handed: { url, key: String(res.headers["x-sample-key"]), bytes: res.body, etag: String(res.headers["etag"]) },
  };
}

/** Every URL handed out, read again: a PNG with the bytes (and ETag) promised; the count that fail. */
async function lostObjects(
  routerUrl: string,
  handed: readonly Handed[],
  stored?: (key: string) => Promise<Uint8Array>,
): Promise<string[]> {
  const lost: string[] = [];
  for (const h of handed) {
    const res = await fetch(new URL(h.url, routerUrl));
    const bytes = Buffer.from(await res.arrayBuffer());
    const ok =
      res.status === 200 &&
      res.headers.get("content-type") === "image/png" &&
      bytes.subarray(0, 8).equals(PNG_SIGNATURE) &&
      (h.bytes === undefined || bytes.equals(h.bytes)) &&
      (h.etag === undefined || res.headers.get("etag") === h.etag) &&
      (stored === undefined || bytes.equals(Buffer.from(await stored(h.key))));
    if (!ok) lost.push(`${h.url} -> ${res.status}`);
  }
  return lost;
}

describe("faults", () => {
  it("s3rver stopped mid-run: 503 + Retry-After, no URL to a missing object, service back when it returns", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "biflow-faults-s3-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    let s3: Running & { endpoint: string } = await startS3rver(dir, BUCKET, port);
    cleanups.push(() => s3.stop("SIGKILL"));
    const router = await startRouter({
      ...routerEnv(s3.endpoint),
      ...STORE,
      MODELS_DIR: FIXTURE_MODELS_DIR,
      // Every read goes to the store: a cache would hide the outage from GETs.
      CACHE_MAX_BYTES: "0",
      RETRY_AFTER_SECONDS: "2",
    });
    cleanups.push(() => router.stop("SIGKILL"));
    const client = new KeepAliveClient(router.url);
    cleanups.push(() => Promise.resolve(client.close()));

    const handed: Handed[] = [];
    const failures: string[] = [];
    const refusedMs: number[] = [];
    let seed = 50_000;
    let ok = 0;
    let refused = 0;
    const step = async () => {
      const started = performance.now();
      const { res, handed: h } = await oneRequest(client, seed++);
      const ms = performance.now() - started;
      if (res.status === 200 && h !== undefined) {
        handed.push(h);
        ok += 1;
      } else if (res.status === 503) {
        const body = json(res) as { error: { type: string }; samples?: unknown };
        if (body.error.type !== "storage_unavailable" || res.headers["retry-after"] !== "2" || "samples" in body) {
          failures.push(`503 ${res.body.toString()} retry-after ${String(res.headers["retry-after"])}`);
        }
        refusedMs.push(ms);
        refused += 1;
      } else {
        failures.push(`${res.status} ${res.body.toString().slice(0, 200)}`);
      }
    };

    while (ok < 10) await step();
    await s3.stop("SIGKILL");
    const downAt = handed.length;
    while (refused < 10) await step();
    const okWhileDown = handed.length - downAt;
    s3 = await startS3rver(dir, BUCKET, port);
    const restarted = performance.now();
    let recoveredMs: number | undefined;
    while (performance.now() - restarted < 15_000) {
      const before = ok;
      await step();
      if (ok > before) {
        recoveredMs = performance.now() - restarted;
        break;
      }
    }
    const target = ok + 10;
    while (ok < target && recoveredMs !== undefined) await step();

    const s3Client = testS3Client(s3.endpoint, S3RVER_CREDENTIALS);
    const lost = await lostObjects(router.url, handed, async (key) => (await objectBytes(s3Client, BUCKET, key)).bytes);
    await recordFigures("faults_store_stopped", {
      requests: seed - 50_000,
      served: ok,
      refused_503: refused,
      refused_p99_ms: Math.round(p(refusedMs, 0.99)),
      recovered_after_ms: recoveredMs === undefined ? null : Math.round(recoveredMs),
      urls_checked: handed.length,
      lost_objects: lost.length,
    });
    expect(failures).toEqual([]);
    // Nothing was handed out while the store was down.
    expect(okWhileDown).toBe(0);
    expect(Math.max(...refusedMs)).toBeLessThan(STORE_DEADLINE_MS + SLACK_MS);
    expect(recoveredMs).toBeDefined();
    expect(lost).toEqual([]);
  });

  it("a store that accepts connections and never answers: 503 within the store deadline", async () => {
    const hole = await startBlackHole();
    cleanups.push(() => hole.close());
    const router = await startRouter({
      ...routerEnv(hole.url),
      ...STORE,
      MODELS_DIR: FIXTURE_MODELS_DIR,
      CACHE_MAX_BYTES: "0",
      RETRY_AFTER_SECONDS: "3",
    });
    cleanups.push(() => router.stop("SIGKILL"));
    const client = new KeepAliveClient(router.url);
    cleanups.push(() => Promise.resolve(client.close()));
    const answers: { status: number; ms: number; type: string; retryAfter: unknown }[] = [];
    for (let seed = 60_000; seed < 60_010; seed++) {
      const started = performance.now();
      const { res } = await oneRequest(client, seed);
      answers.push({
        status: res.status,
        ms: performance.now() - started,
        type: (json(res) as { error?: { type: string } }).error?.type ?? "",
        retryAfter: res.headers["retry-after"],
      });
    }
    const live = await client.send({ method: "GET", path: "/health/live" });
    const ready = await client.send({ method: "GET", path: "/health/ready" });
    const worst = Math.max(...answers.map((a) => a.ms));
    await recordFigures("faults_store_hung", {
      requests: answers.length,
      statuses: [...new Set(answers.map((a) => a.status))],
      worst_ms: Math.round(worst),
      store_deadline_ms: STORE_DEADLINE_MS,
      connections_to_store: hole.accepted(),
    });
    // A store outage is a 503 storage_unavailable that says when to come back
    // (RETRY_AFTER_SECONDS); a sampling timeout is a 504 with no Retry-After.
    for (const a of answers) {
      expect([
        { status: 503, type: "storage_unavailable", retryAfter: "3" },
        { status: 504, type: "sampler_timeout", retryAfter: undefined },
      ]).toContainEqual({ status: a.status, type: a.type, retryAfter: a.retryAfter });
    }
    expect(answers.map((a) => a.status)).toContain(503);
    expect(worst).toBeLessThan(STORE_DEADLINE_MS + SLACK_MS);
    // The router really talked to the hung store, and stayed live.
    expect(hole.accepted()).toBeGreaterThan(0);
    expect(live.status).toBe(200);
    expect(ready.status).toBe(503);
  });

  it("a backend that hangs mid-load (SIGSTOP): requests are retried on the other one within the deadline", async () => {
    const backends = await Promise.all(
      [0, 1].map(() => startBackend({ MODELS_DIR: FIXTURE_MODELS_DIR, MAX_DELAY_MS: "5" })),
    );
    for (const b of backends) cleanups.push(() => b.stop("SIGKILL"));
    const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-faults-pool-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const BACKEND_TIMEOUT_MS = 1_000;
    const SAMPLE_TIMEOUT_MS = 8_000;
    const router = await startRouter({
      MODELS_DIR: FIXTURE_MODELS_DIR,
      DATA_DIR: dataDir,
      S3_ENDPOINT: "",
      CACHE_MAX_BYTES: "0",
      GPU_BACKEND_URLS: backends.map((b) => b.url).join(","),
      BACKEND_SECRET,
      // Every batch to the pool while a backend is healthy.
      EDGE_MAX_BATCH: "0",
      BACKEND_TIMEOUT_MS: String(BACKEND_TIMEOUT_MS),
      SAMPLE_TIMEOUT_MS: String(SAMPLE_TIMEOUT_MS),
      POOL_HEALTH_INTERVAL_MS: "200",
      POOL_HEALTH_TIMEOUT_MS: "500",
    });
    cleanups.push(() => router.stop("SIGKILL"));
    const [victim] = backends;
    if (victim?.child.pid === undefined) throw new Error("no backend pid");
    const victimPid = victim.child.pid;
    cleanups.push(() => Promise.resolve(process.kill(victimPid, "SIGCONT")));

    const handed: Handed[] = [];
    const failures: string[] = [];
    const latencies: number[] = [];
    const samplers = new Set<string>();
    let answered = 0;
    let stopped = false;
    let seed = 70_000;
    const clientLoop = async (until: () => boolean) => {
      const client = new KeepAliveClient(router.url);
      try {
        while (!until()) {
          const s = (seed += 2);
          const started = performance.now();
          const res = await postSample(client, s);
          latencies.push(performance.now() - started);
          answered += 1;
          if (res.status !== 200) {
            failures.push(`${res.status} ${res.body.toString().slice(0, 200)}`);
            continue;
          }
          for (const sample of (json(res) as { samples: { url: string; key: string; sampler: string }[] }).samples) {
            handed.push({ url: sample.url, key: sample.key });
            samplers.add(sample.sampler);
          }
        }
      } finally {
        client.close();
      }
    };
    let stoppedAt = 0;
    const clients = Array.from({ length: 4 }, () => clientLoop(() => stopped && answered >= stoppedAt + 40));
    const metricsUrl = `${router.url}/metrics`;
    // Hang one backend once both have answered (a request count, not a sleep).
    for (;;) {
      const m = await (await fetch(metricsUrl)).text();
      const both = [0, 1].every((i) => metricValue(m, `biflow_pool_attempts_total{backend="${i}",outcome="ok"}`) > 0);
      if (both) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.kill(victimPid, "SIGSTOP");
    stoppedAt = answered;
    stopped = true;
    await Promise.all(clients);
    const metrics = await (await fetch(metricsUrl)).text();
    process.kill(victimPid, "SIGCONT");
    const lost = await lostObjects(router.url, handed);
    const figures = {
      requests: answered,
      failures: failures.length,
      p99_ms: Math.round(p(latencies, 0.99)),
      worst_ms: Math.round(Math.max(...latencies)),
      backend_timeout_ms: BACKEND_TIMEOUT_MS,
      timeouts_on_hung_backend: metricValue(metrics, 'biflow_pool_attempts_total{backend="0",outcome="timeout"}'),
      retries: metricValue(metrics, "biflow_pool_retries_total"),
      urls_checked: handed.length,
      lost_objects: lost.length,
    };
    await recordFigures("faults_backend_hung", figures);
    expect(failures).toEqual([]);
    // Served by the pool throughout (the survivor), not by the in-process fallback.
    expect([...samplers]).toEqual(["gpu-pool"]);
    expect(figures.timeouts_on_hung_backend).toBeGreaterThan(0);
    expect(figures.retries).toBeGreaterThan(0);
    // A request caught on the hung backend waits one attempt's timeout, then the other answers.
    expect(figures.worst_ms).toBeLessThan(BACKEND_TIMEOUT_MS + SLACK_MS);
    expect(lost).toEqual([]);
  });
});
