// A closed-loop load generator against one backend: `concurrency` clients each send a
// signed one-image request, wait for the answer, and send the next, for a fixed window.
// Only requests that finish inside the window count; latency is measured per request.

import { generateBody, metricValue, signedInit } from "../../tests/helpers/backend.js";
import { percentile } from "./stats.js";

export interface LoadTarget {
  url: string;
  model: string;
  version: string;
}

export interface LoadResult {
  concurrency: number;
  images_per_s: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Mean images per model run on the backend during the window (from its /metrics). */
  mean_batch: number;
}

async function batchTotals(target: LoadTarget): Promise<{ runs: number; images: number }> {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const label = `{model="${target.model}"}`;
  return {
    runs: metricValue(text, `biflow_backend_batch_size_count${label}`),
    images: metricValue(text, `biflow_backend_batch_size_sum${label}`),
  };
}

export async function runLoad(
  target: LoadTarget,
  concurrency: number,
  seconds: number,
  seedBase: number,
): Promise<LoadResult> {
  let seed = seedBase;
  const latencies: number[] = [];
  const before = await batchTotals(target);
  const start = performance.now();
  const end = start + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const body = generateBody({
        model: target.model,
        version: target.version,
        class: seed % 10,
        seeds: [seed++ % 2 ** 32],
        guidance: 1,
      });
      const sent = performance.now();
      const res = await fetch(`${target.url}/v1/generate`, await signedInit(body));
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`backend answered ${res.status} under load`);
      const done = performance.now();
      if (done <= end) latencies.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const after = await batchTotals(target);
  return {
    concurrency,
    images_per_s: latencies.length / seconds,
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    requests: latencies.length,
    mean_batch: (after.images - before.images) / Math.max(1, after.runs - before.runs),
  };
}
