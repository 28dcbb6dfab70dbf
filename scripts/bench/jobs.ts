// `npm run bench:jobs`: batch-job throughput (images/s) of the Node router, without and
// with a GPU backend (here the backend runs the CPU execution provider unless
// BENCH_PROVIDERS says otherwise), side by side in one run: the same job, alternating
// routers, each on a fresh local store so every image is computed. Writes JSON
// (BENCH_OUT, default artifacts/jobs-throughput.json) and prints a table.
//
// Environment: BENCH_MODEL (fmnist-biflow-s), BENCH_JOB_IMAGES (2000), BENCH_REPEATS (2),
// BENCH_PROVIDERS (cpu).

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { BACKEND_SECRET, startBackend } from "../../tests/helpers/backend.js";
import { ROOT } from "../../tests/helpers/fixtures.js";
import { startRouter, type Running } from "../../tests/helpers/processes.js";
import { median, round } from "./stats.js";

const env = process.env;
const MODEL = env.BENCH_MODEL ?? "fmnist-biflow-s";
const IMAGES = Number(env.BENCH_JOB_IMAGES ?? "2000");
const REPEATS = Number(env.BENCH_REPEATS ?? "2");
const PROVIDERS = env.BENCH_PROVIDERS ?? "cpu";
const OUT = path.resolve(ROOT, env.BENCH_OUT ?? "artifacts/jobs-throughput.json");
const MODELS_DIR = path.join(ROOT, "models");

interface Status {
  id: string;
  state: string;
  images_done: number;
  images_computed: number;
  created_at: string;
  finished_at: string | null;
}

async function runJob(url: string, seed: number): Promise<{ imagesPerSecond: number; computed: number }> {
  const res = await fetch(`${url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, classes: "all", count: IMAGES, seed }),
  });
  if (res.status !== 202) throw new Error(`POST /v1/jobs: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as Status;
  for (;;) {
    const s = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as Status;
    if (s.state === "succeeded" && s.finished_at !== null) {
      const seconds = (Date.parse(s.finished_at) - Date.parse(s.created_at)) / 1000;
      return { imagesPerSecond: s.images_done / seconds, computed: s.images_computed };
    }
    if (s.state !== "queued" && s.state !== "running") throw new Error(`job ${id} ${s.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const dirs: string[] = [];
  const processes: Running[] = [];
  const temp = async () => {
    const d = await mkdtemp(path.join(tmpdir(), "biflow-bench-jobs-"));
    dirs.push(d);
    return d;
  };
  try {
    const backend = await startBackend({ MODELS_DIR, EXECUTION_PROVIDERS: PROVIDERS });
    processes.push(backend);
    const base = { MODELS_DIR, JOBS_POLL_MS: "50" };
    const engineOnly = await startRouter({ ...base, DATA_DIR: await temp() });
    processes.push(engineOnly);
    const withBackend = await startRouter({
      ...base,
      DATA_DIR: await temp(),
      GPU_BACKEND_URLS: backend.url,
      BACKEND_SECRET,
    });
    processes.push(withBackend);
    const rows = { "router, in-process engine": [] as number[], "router + GPU backend pool": [] as number[] };
    for (let r = 0; r < REPEATS; r++) {
      // New seeds each round: every image is computed, none found in the store.
      const a = await runJob(engineOnly.url, 1_000_000 * (2 * r + 1));
      const b = await runJob(withBackend.url, 1_000_000 * (2 * r + 2));
      if (a.computed !== IMAGES || b.computed !== IMAGES) throw new Error("a job found stored images");
      rows["router, in-process engine"].push(a.imagesPerSecond);
      rows["router + GPU backend pool"].push(b.imagesPerSecond);
    }
    const result = {
      what: `job of ${IMAGES} images of ${MODEL} (all classes), images_done / (finished_at - created_at), median of ${REPEATS}`,
      backend_providers: PROVIDERS,
      machine: {
        cores: availableParallelism(),
        cpu: cpus()[0]?.model ?? "unknown",
        loadavg: loadavg().map((l) => round(l, 2)),
      },
      images_per_second: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, round(median(v), 1)])),
      runs: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.map((x) => round(x, 1))])),
    };
    await mkdir(path.dirname(OUT), { recursive: true });
    await writeFile(OUT, `${JSON.stringify(result, null, 2)}\n`);
    for (const [k, v] of Object.entries(result.images_per_second)) console.log(`${k.padEnd(28)} ${v} images/s`);
    console.log(`wrote ${path.relative(ROOT, OUT)}`);
  } finally {
    await Promise.all(processes.map((p) => p.stop("SIGTERM")));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
