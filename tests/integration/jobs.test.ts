// Batch jobs on real router processes over the local store (DATA_DIR): a 5,000-image job
// whose manifest lists 5,000 URLs that each answer a PNG, with its .tar read by tar(1) and
// its .npz by numpy; a router killed with SIGKILL mid-job whose successor finishes it,
// computing exactly the images not yet stored (the engine's own counter, read from
// /metrics, against the PNG files found on disk after the kill).

import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";

const run = promisify(execFile);
const started: Running[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(started.map((r) => r.stop("SIGKILL")));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function router(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const r = await startRouter({ MODELS_DIR: FIXTURE_MODELS_DIR, DATA_DIR: dataDir, JOBS_POLL_MS: "50", ...env });
  started.push(r);
  return r;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-jobs-"));
  dirs.push(dir);
  return dir;
}

interface Status {
  id: string;
  state: string;
  images_total: number;
  images_done: number;
  images_computed: number;
  manifest_url: string | null;
  archive_url: string | null;
  npz_url: string | null;
}

async function createJob(url: string, body: unknown): Promise<Status> {
  const res = await fetch(`${url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as Status;
}

async function status(url: string, id: string): Promise<Status> {
  return (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as Status;
}

/** Polls the status until `until` holds (bounded by the test's timeout). */
async function waitFor(url: string, id: string, until: (s: Status) => boolean): Promise<Status> {
  for (;;) {
    const s = await status(url, id);
    if (until(s)) return s;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every PNG file under the local store's samples/ tree. */
async function storedPngs(dataDir: string): Promise<number> {
  const files = await readdir(path.join(dataDir, "objects", "samples"), { recursive: true }).catch(() => []);
  return files.filter((f) => f.endsWith(".png")).length;
}

/** The sum of every series of a Prometheus counter. */
function counterTotal(text: string, name: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("a 5,000-image job", () => {
  it("completes; its manifest lists 5,000 URLs that resolve; tar and npz hold the same images", async () => {
    const dataDir = await tempDir();
    const r = await router(dataDir);
    const job = await createJob(r.url, {
      model: "tiny-biflow",
      classes: "all",
      count: 5000,
      seed: 1000,
      outputs: ["tar", "npz"],
    });
    const done = await waitFor(r.url, job.id, (s) => s.state !== "queued" && s.state !== "running");
    expect(done).toMatchObject({ state: "succeeded", images_total: 5000, images_done: 5000, images_computed: 5000 });
    const manifest = await (await fetch(done.manifest_url ?? "")).text();
    const lines = manifest
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { index: number; url: string; class: number; seed: number });
    expect(lines).toHaveLength(5000);
    expect(new Set(lines.map((l) => l.url)).size).toBe(5000);
    // 500 per class, class by class; image i has seed 1000 + i.
    expect(lines.every((l, i) => l.index === i && l.seed === 1000 + i && l.class === Math.floor(i / 500))).toBe(true);
    // Every URL answers its PNG from the store (16 requests at a time).
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < lines.length) {
          const line = lines[next++];
          if (line === undefined) break;
          const res = await fetch(line.url);
          const bytes = new Uint8Array(await res.arrayBuffer());
          if (res.status !== 200 || res.headers.get("x-sample-source") === "computed" || bytes[1] !== 0x50) {
            failures.push(`${line.url}: ${res.status} ${res.headers.get("x-sample-source")}`);
          }
        }
      }),
    );
    expect(failures).toEqual([]);

    const tarPath = path.join(dataDir, "job.tar");
    const npzPath = path.join(dataDir, "job.npz");
    await writeFile(tarPath, new Uint8Array(await (await fetch(done.archive_url ?? "")).arrayBuffer()));
    await writeFile(npzPath, new Uint8Array(await (await fetch(done.npz_url ?? "")).arrayBuffer()));
    const members = (await run("tar", ["tf", tarPath], { maxBuffer: 1 << 24 })).stdout.trim().split("\n");
    expect(members).toHaveLength(5000);
    expect(members[4999]).toBe("0004999_9_5999.png");
    // numpy reads the npz; its image 1234 equals the PNG the tar holds for index 1234
    // (python's zlib inflates the PNG's one IDAT, filter bytes stripped: the fixture's rows use filter 0).
    const script = [
      "import numpy, tarfile, zlib, struct, sys",
      "d = numpy.load(sys.argv[1])",
      "imgs, labels = d['images'], d['labels']",
      "t = tarfile.open(sys.argv[2])",
      "png = t.extractfile('0001234_2_2234.png').read()",
      "i = png.index(b'IDAT'); n = struct.unpack('>I', png[i-4:i])[0]",
      "raw = zlib.decompress(png[i+4:i+4+n])",
      "rows = [raw[r*29:(r+1)*29] for r in range(28)]",
      "assert all(row[0] == 0 for row in rows), 'filtered rows'",
      "pixels = numpy.frombuffer(b''.join(row[1:] for row in rows), dtype=numpy.uint8).reshape(28, 28)",
      "print(imgs.shape, imgs.dtype, labels.dtype, int(labels[0]), int(labels[4999]), bool((imgs[1234] == pixels).all()))",
    ].join("\n");
    const out = (await run("python3", ["-c", script, npzPath, tarPath])).stdout.trim();
    expect(out).toBe("(5000, 28, 28) uint8 int64 0 9 True");
  }, 120_000);
});

describe("a router killed mid-job", () => {
  it("is resumed by the next one: no image lost, none computed twice", async () => {
    const dataDir = await tempDir();
    const env = { JOBS_CHUNK_SIZE: "32", JOBS_LEASE_MS: "1500", ENGINE_MAX_BATCH: "32" };
    const first = await router(dataDir, env);
    const total = 3000;
    const job = await createJob(first.url, { model: "tiny-biflow", classes: [3, 8], count: total, seed: 77 });
    await waitFor(first.url, job.id, (s) => s.images_done >= 320);
    await first.stop("SIGKILL");
    const storedAtKill = await storedPngs(dataDir);
    expect(storedAtKill).toBeGreaterThanOrEqual(320);
    expect(storedAtKill).toBeLessThan(total);

    const second = await router(dataDir, env);
    const done = await waitFor(second.url, job.id, (s) => s.state === "succeeded" || s.state === "failed");
    expect(done).toMatchObject({ state: "succeeded", images_done: total });
    // The second router's engine computed exactly the images missing at the kill.
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(counterTotal(metrics, "biflow_sampler_images_total")).toBe(total - storedAtKill);
    expect(await storedPngs(dataDir)).toBe(total);
    // The job's own compute count survived the restart; it may miss only the chunk in flight.
    expect(done.images_computed).toBeLessThanOrEqual(total);
    expect(done.images_computed).toBeGreaterThanOrEqual(total - 32);
    const lines = (await (await fetch(done.manifest_url ?? "")).text()).trim().split("\n");
    expect(lines).toHaveLength(total);
  }, 90_000);
});
