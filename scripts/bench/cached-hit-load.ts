// The cached-hit comparison of `npm run bench` (p5): requests/s and p99 of a stored sample's
// canonical URL through the router as `npm start` runs it (defaults: abuse controls off)
// against a bare Hono handler on @hono/node-server serving the same bytes from memory, under
// the same load tool (autocannon) and connection count, alternating rounds.

import { createRequire } from "node:module";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startProcess, startRouter } from "../../tests/helpers/processes.js";
import { median, round } from "./stats.js";

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
}) => Promise<AutocannonResult>;

// autocannon ships no types; its documented promise API is all this uses.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface CachedHitResult {
  connections: number;
  seconds: number;
  rounds: number;
  router: { requests_per_s: number; p99_ms: number };
  bare_hono: { requests_per_s: number; p99_ms: number };
  ratio: number;
}

export async function cachedHitLoad(
  model: string,
  connections: number,
  seconds: number,
  rounds: number,
): Promise<CachedHitResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-hit-"));
  const router = await startRouter({
    MODELS_DIR: "",
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
  });
  let bare;
  try {
    const res = await fetch(`${router.url}/v1/samples/${model}/1/42.png`);
    if (res.status !== 200) throw new Error(`sample answered ${res.status}`);
    const canonical = new URL(res.url);
    const png = path.join(dataDir, "sample.png");
    await writeFile(png, new Uint8Array(await res.arrayBuffer()));
    bare = await startProcess(process.execPath, ["--import", "tsx", "scripts/bench/bare-hono.ts", png], {
      ready: /listening on (http:\/\/[^\s]+)/,
      name: "bare hono",
    });
    const targets = {
      router: router.url + canonical.pathname + canonical.search,
      bare_hono: `${bare.match[1] ?? ""}/x.png`,
    };
    const runs: Record<keyof typeof targets, AutocannonResult[]> = { router: [], bare_hono: [] };
    for (const url of Object.values(targets)) await autocannon({ url, connections, duration: 1, pipelining: 1 });
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["router", "bare_hono"] as const) : (["bare_hono", "router"] as const);
      for (const name of order) {
        const result = await autocannon({ url: targets[name], connections, duration: seconds, pipelining: 1 });
        if (result.non2xx > 0 || result.errors > 0)
          throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        runs[name].push(result);
        process.stderr.write(
          `bench: cached hit ${name} round ${r + 1}: ${round(result.requests.average)} req/s, p99 ${result.latency.p99} ms\n`,
        );
      }
    }
    const summary = (xs: AutocannonResult[]) => ({
      requests_per_s: round(median(xs.map((x) => x.requests.average))),
      p99_ms: round(median(xs.map((x) => x.latency.p99)), 2),
    });
    const routerSummary = summary(runs.router);
    const bareSummary = summary(runs.bare_hono);
    return {
      connections,
      seconds,
      rounds,
      router: routerSummary,
      bare_hono: bareSummary,
      ratio: round(routerSummary.requests_per_s / bareSummary.requests_per_s, 3),
    };
  } finally {
    await Promise.all([router.stop("SIGTERM"), bare?.stop("SIGTERM")]);
    await rm(dataDir, { recursive: true, force: true });
  }
}
