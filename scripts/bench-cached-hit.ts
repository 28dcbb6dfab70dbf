// `npm run bench`: latency of a cached hit. Starts the router as `npm start` does (models/,
// local store in a temp dir), stores one sample of the shipped model, then times sequential
// GETs of its URL.
// BENCH_REQUESTS (default 200) sets the count; output is one JSON line.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startRouter } from "../tests/helpers/processes.js";

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const count = Number(process.env.BENCH_REQUESTS ?? "200");
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-"));
  const router = await startRouter({ MODELS_DIR: "", DATA_DIR: dataDir, S3_ENDPOINT: "", GPU_BACKEND_URLS: "" });
  try {
    const url = `${router.url}/v1/samples/fmnist-biflow-s/sneaker/42.png?guidance=1.00`;
    const first = await fetch(url);
    if (first.status !== 200) throw new Error(`warm-up GET answered ${first.status}`);
    await first.arrayBuffer();
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      times.push(performance.now() - started);
      if (res.headers.get("x-sample-source") !== "cache") throw new Error("expected a cache hit");
    }
    times.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        benchmark: "cached-hit GET /v1/samples/{model}/{class}/{seed}.png",
        requests: count,
        median_ms: round(percentile(times, 0.5)),
        p95_ms: round(percentile(times, 0.95)),
        min_ms: round(times[0] ?? NaN),
        max_ms: round(times.at(-1) ?? NaN),
      })}\n`,
    );
  } finally {
    await router.stop("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
