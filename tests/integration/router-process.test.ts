// Router processes beyond the shared one: a cold cache over the same bucket is served from
// the store; without S3 the local directory store is used; SIGTERM exits cleanly; and the
// router as `npm start` runs it, over models/ (the trained models), answers the README's
// Quick start URL.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { FIXTURE_MODELS_DIR, ROOT } from "../helpers/fixtures.js";
import { metricValue } from "../helpers/backend.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { routerEnv } from "./global-setup.js";

const started: Running[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((r) => r.stop("SIGKILL")));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function router(env: NodeJS.ProcessEnv) {
  const r = await startRouter(env);
  started.push(r);
  return r;
}

describe("a second router with a cold cache", () => {
  it("serves a stored sample from the store without sampling", async () => {
    const shared = inject("routerUrl");
    const url = "/v1/samples/tiny-biflow@0.0.1-fixture/coat/31337.png?guidance=0.75";
    const first = await fetch(shared + url);
    expect(first.headers.get("x-sample-source")).toBe("computed");
    const bytes = new Uint8Array(await first.arrayBuffer());

    const cold = await router({ ...routerEnv(inject("s3Endpoint")), CACHE_MAX_BYTES: "0" });
    const res = await fetch(cold.url + url);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sample-source")).toBe("store");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    const metrics = await (await fetch(`${cold.url}/metrics`)).text();
    expect(metrics).not.toMatch(/^biflow_sampler_calls_total\{/m);
    expect(metrics).toContain('biflow_sample_lookups_total{layer="store",result="hit"} 1');
  });
});

describe("a router without S3", () => {
  it("stores samples in its local data directory, and exits 0 on SIGTERM", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-data-"));
    dirs.push(dataDir);
    const local = await router({ MODELS_DIR: FIXTURE_MODELS_DIR, DATA_DIR: dataDir, S3_ENDPOINT: "" });
    const res = await fetch(`${local.url}/v1/samples/tiny-rgb/green/5.png`);
    expect(res.status).toBe(200);
    const key = res.headers.get("x-sample-key") ?? "";
    expect(key).toBe("samples/v1/tiny-rgb/0.0.1-fixture/1/g1.00/5.png");
    const onDisk = await readFile(path.join(dataDir, "objects", key));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(onDisk));
    expect((await decodePng(new Uint8Array(onDisk))).channels).toBe(3);
    expect(await local.stop("SIGTERM")).toBe(0);
    expect(local.output()).toContain('"message":"shutting down","signal":"SIGTERM"');
  });
});

describe("a router's own health on /metrics", () => {
  it("reports resident memory and descriptors as /proc sees them, cache size, and store latency", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-metrics-"));
    dirs.push(dataDir);
    const local = await router({ MODELS_DIR: FIXTURE_MODELS_DIR, DATA_DIR: dataDir, S3_ENDPOINT: "" });
    const pid = local.child.pid ?? 0;
    const scrape = async () => {
      const text = await (await fetch(`${local.url}/metrics`)).text();
      return (series: string) => metricValue(text, series);
    };
    expect((await scrape())("biflow_cache_entries")).toBe(0);

    const pngs: number[] = [];
    for (const seed of [5, 6]) {
      const res = await fetch(`${local.url}/v1/samples/tiny-rgb/green/${seed}.png`);
      expect(res.status).toBe(200);
      pngs.push((await res.arrayBuffer()).byteLength);
    }
    const m = await scrape();
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    // Read a moment apart from the process's own reading: close, not equal.
    expect(m("process_resident_memory_bytes") / 1024 / rssKb).toBeGreaterThan(0.8);
    expect(m("process_resident_memory_bytes") / 1024 / rssKb).toBeLessThan(1.25);
    expect(Math.abs(m("process_open_fds") - fds)).toBeLessThanOrEqual(4);
    expect(m("nodejs_open_sockets")).toBeGreaterThanOrEqual(1); // the listener at least
    expect(m("nodejs_heap_size_used_bytes")).toBeGreaterThan(1_000_000);
    expect(m('nodejs_eventloop_delay_seconds{quantile="0.99"}')).toBeLessThan(5);
    // Two samples cached: at least their PNG bytes are held.
    expect(m("biflow_cache_entries")).toBe(2);
    expect(m("biflow_cache_bytes")).toBeGreaterThanOrEqual((pngs[0] ?? 0) + (pngs[1] ?? 0));
    // Each computed sample was written once to the directory store, and each write was timed.
    expect(m('biflow_store_operation_duration_seconds_count{operation="put",outcome="ok"}')).toBe(2);
    expect(m('biflow_store_operation_duration_seconds_sum{operation="put",outcome="ok"}')).toBeGreaterThan(0);
  });
});

describe("a router with bad configuration", () => {
  it("refuses to start, naming every bad variable", async () => {
    await expect(
      startRouter({ PORT: "-3", S3_ENDPOINT: "http://127.0.0.1:1", MODELS_DIR: FIXTURE_MODELS_DIR }),
    ).rejects.toThrow(/exited with 2[\s\S]*S3_BUCKET is required[\s\S]*PORT must be an integer/);
  });
});

describe("the router as `npm start` runs it (models/)", () => {
  it("serves every trained model in models/ and answers the README's Quick start curl with a PNG", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-quickstart-"));
    dirs.push(dataDir);
    // Empty values mean the embedded defaults, whatever the calling shell has set.
    const started = await router({ MODELS_DIR: "", DATA_DIR: dataDir, S3_ENDPOINT: "", GPU_BACKEND_URLS: "" });

    const folders: string[] = [];
    for (const d of await readdir(path.join(ROOT, "models"), { withFileTypes: true })) {
      const manifest = await readFile(path.join(ROOT, "models", d.name, "manifest.json"), "utf8").catch(() => "");
      if (!d.isDirectory() || manifest === "") continue;
      // models/ holds trained models only; the untrained fixtures live in tests/fixtures/models.
      expect((JSON.parse(manifest) as { training?: { fixture?: boolean } }).training?.fixture, d.name).not.toBe(true);
      folders.push(d.name);
    }
    const { models } = (await (await fetch(`${started.url}/v1/models`)).json()) as {
      models: { id: string; image: { channels: number; height: number; width: number } }[];
    };
    expect(models.map((m) => m.id).sort()).toEqual(folders.sort());
    expect(folders).toContain("fmnist-biflow-s");

    const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
    const quickStart = /^## Quick start\n[\s\S]*?(?=^## )/m.exec(readme)?.[0] ?? "";
    // `curl -L`: the Quick start URL names no version and redirects; fetch follows as -L does.
    const documented = /curl -L -o sample\.png "http:\/\/localhost:8787(\/v1\/samples\/([^/@]+)\/[^"]+)"/.exec(
      quickStart,
    );
    if (documented === null) throw new Error("the README's Quick start has no curl of a sample URL");
    const [, url = "", modelId = ""] = documented;
    const model = models.find((m) => m.id === modelId);
    expect(model, `the Quick start samples ${modelId}, which models/ does not serve`).toBeDefined();

    const res = await fetch(started.url + url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-sample-source")).toBe("computed");
    const png = await decodePng(new Uint8Array(await res.arrayBuffer()));
    expect({ channels: png.channels, height: png.height, width: png.width }).toEqual(model?.image);
    expect(new Set(png.pixels).size).toBeGreaterThan(8); // an image, not a flat fill
    expect((await fetch(started.url + url)).headers.get("x-sample-source")).toBe("cache");
  });
});
