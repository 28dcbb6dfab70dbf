// `npm run bench:cached-hit`: cached hits with every public-deployment control off (as
// `npm start`) and on (URL_SIGNING_KEY, API_KEYS, RATE_LIMIT_*, METRICS_TOKEN, CORS_ORIGINS),
// side by side: two routers started as `npm start` does, one sample stored in each through
// POST /v1/samples, then rounds of sequential GETs of its (signed) URL, alternating routers
// so both see the same machine. BENCH_ROUNDS (default 20) x BENCH_REQUESTS (default 50).
// Output: one JSON line per configuration (median requests/s over rounds, latency).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startRouter } from "../tests/helpers/processes.js";
import { BENCH_API_KEY as API_KEY, PUBLIC_SETTINGS as CONTROLS } from "./bench/public-settings.js";

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

interface Subject {
  name: string;
  url: string;
  rps: number[];
  ms: number[];
  stop: () => Promise<unknown>;
  dataDir: string;
}

async function start(name: string, env: Record<string, string>, headers: Record<string, string>): Promise<Subject> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-"));
  const router = await startRouter({
    MODELS_DIR: "",
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
    ...env,
  });
  const res = await fetch(`${router.url}/v1/samples`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "fmnist-biflow-s", n: 1, class: "sneaker", seed: 42, guidance: 1 }),
  });
  if (res.status !== 200) throw new Error(`${name}: POST answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { samples: { url: string }[] };
  const url = body.samples[0]?.url;
  if (url === undefined) throw new Error(`${name}: no sample URL`);
  return { name, url, rps: [], ms: [], stop: () => router.stop("SIGTERM"), dataDir };
}

async function round(subject: Subject, requests: number): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    const res = await fetch(subject.url, { headers: { origin: "https://blog.example" } });
    await res.arrayBuffer();
    subject.ms.push(performance.now() - t);
    if (res.headers.get("x-sample-source") !== "cache") {
      throw new Error(`${subject.name}: expected a cache hit, got ${res.status} ${res.headers.get("x-sample-source")}`);
    }
  }
  subject.rps.push((requests * 1000) / (performance.now() - started));
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? "20");
  const requests = Number(process.env.BENCH_REQUESTS ?? "50");
  const subjects = [
    await start("controls off", {}, {}),
    await start("controls on", CONTROLS, { authorization: `Bearer ${API_KEY}` }),
  ];
  try {
    if (!new URL(subjects[1]?.url ?? "").searchParams.has("sig")) throw new Error("controls on: URL is not signed");
    for (const s of subjects) await round(s, requests); // warm-up, discarded
    for (const s of subjects) s.rps.length = s.ms.length = 0;
    for (let r = 0; r < rounds; r++)
      for (const s of r % 2 === 0 ? subjects : [...subjects].reverse()) await round(s, requests);
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    for (const s of subjects) {
      const rps = [...s.rps].sort((a, b) => a - b);
      const ms = [...s.ms].sort((a, b) => a - b);
      process.stdout.write(
        `${JSON.stringify({
          benchmark: "cached-hit GET /v1/samples/{model}/{class}/{seed}.png",
          config: s.name,
          rounds,
          requests_per_round: requests,
          median_rps: Math.round(percentile(rps, 0.5)),
          median_ms: round3(percentile(ms, 0.5)),
          p95_ms: round3(percentile(ms, 0.95)),
        })}\n`,
      );
    }
  } finally {
    for (const s of subjects) {
      await s.stop();
      await rm(s.dataDir, { recursive: true, force: true });
    }
  }
}

await main();
