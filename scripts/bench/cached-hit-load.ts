// The cached-hit comparison of `npm run bench` (p5): requests/s and p99 of a cached sample's
// canonical URL through the router as `npm start` runs it, on its defaults (abuse controls
// off) and on the public-deployment settings (scripts/bench/public-settings.ts: the URL
// signed, API keys, both rate limits, a metrics token, CORS origins), against a bare Hono
// handler on @hono/node-server serving the same bytes from memory. One load tool
// (autocannon), one connection count, the three servers taking turns within each round.

import { createRequire } from "node:module";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startProcess, startRouter, type Running } from "../../tests/helpers/processes.js";
import { BENCH_API_KEY, PUBLIC_SETTINGS } from "./public-settings.js";
import { median, round } from "./stats.js";

export interface AutocannonResult {
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
export const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/** autocannon's connections for p5. */
export const HIT_CONNECTIONS = 32;
/** Medians of at least this many side-by-side rounds: one round's ratio moves by tens of percent here. */
export const MIN_HIT_ROUNDS = 3;

export interface LoadFigure {
  requests_per_s: number;
  p99_ms: number;
}

/** One router setting against the bare handler, medians over the rounds. */
export interface HitComparison {
  router: LoadFigure;
  bare_hono: LoadFigure;
  /** Median router requests/s over median bare requests/s. */
  ratio: number;
}

export interface CachedHitResult {
  client: "autocannon";
  connections: number;
  seconds: number;
  rounds: number;
  defaults: HitComparison;
  public_deployment: HitComparison & { settings: string[] };
}

/**
 * autocannon on each target, `rounds` times, the subjects taking turns: each takes each
 * position in turn, so drift in the machine's load spreads evenly. Throws on any non-2xx.
 */
export async function takeTurns<S extends string>(
  label: string,
  targets: Record<S, string>,
  subjects: readonly S[],
  connections: number,
  seconds: number,
  rounds: number,
): Promise<Record<S, AutocannonResult[]>> {
  const runs = Object.fromEntries(subjects.map((name) => [name, [] as AutocannonResult[]])) as Record<
    S,
    AutocannonResult[]
  >;
  for (const name of subjects) await autocannon({ url: targets[name], connections, duration: 1, pipelining: 1 });
  for (let r = 0; r < rounds; r++) {
    const order = subjects.map((_, i) => subjects[(i + r) % subjects.length] as S);
    for (const name of order) {
      const result = await autocannon({ url: targets[name], connections, duration: seconds, pipelining: 1 });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      runs[name].push(result);
      process.stderr.write(
        `bench: ${label} ${name} round ${r + 1}: ${round(result.requests.average)} req/s, p99 ${result.latency.p99} ms\n`,
      );
    }
  }
  return runs;
}

/** Medians over the rounds. */
export function summary(xs: readonly AutocannonResult[]): LoadFigure {
  return {
    requests_per_s: round(median(xs.map((x) => x.requests.average))),
    p99_ms: round(median(xs.map((x) => x.latency.p99)), 2),
  };
}

const SUBJECTS = ["defaults", "bare_hono", "public_deployment"] as const;
type Subject = (typeof SUBJECTS)[number];

/** A router on a fresh data directory, and the canonical URL of one sample it holds in its cache. */
async function routerWithSample(
  model: string,
  env: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ router: Running & { url: string }; dataDir: string; target: string; png: Uint8Array }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-hit-"));
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
    body: JSON.stringify({ model, n: 1, class: 1, seed: 42 }),
  });
  if (res.status !== 200) throw new Error(`POST /v1/samples answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { samples: { url: string }[] };
  const url = new URL(body.samples[0]?.url ?? "");
  // The first GET reads the PNG (and fills the cache, if the POST did not).
  const png = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return { router, dataDir, target: url.pathname + url.search, png };
}

export async function cachedHitLoad(
  model: string,
  connections: number,
  seconds: number,
  rounds: number,
): Promise<CachedHitResult> {
  const started: { stop: () => Promise<unknown>; dataDir?: string }[] = [];
  try {
    const defaults = await routerWithSample(model, {}, {});
    started.push({ stop: () => defaults.router.stop("SIGTERM"), dataDir: defaults.dataDir });
    const open = await routerWithSample(model, PUBLIC_SETTINGS, { authorization: `Bearer ${BENCH_API_KEY}` });
    started.push({ stop: () => open.router.stop("SIGTERM"), dataDir: open.dataDir });
    if (!open.target.includes("sig=")) throw new Error("public deployment: the sample URL is not signed");
    const png = path.join(defaults.dataDir, "sample.png");
    await writeFile(png, defaults.png);
    const bare = await startProcess(process.execPath, ["--import", "tsx", "scripts/bench/bare-hono.ts", png], {
      ready: /listening on (http:\/\/[^\s]+)/,
      name: "bare hono",
    });
    started.push({ stop: () => bare.stop("SIGTERM") });
    const targets: Record<Subject, string> = {
      defaults: defaults.router.url + defaults.target,
      bare_hono: `${bare.match[1] ?? ""}/x.png`,
      public_deployment: open.router.url + open.target,
    };
    const runs = await takeTurns("cached hit", targets, SUBJECTS, connections, seconds, rounds);
    const bareFigure = summary(runs.bare_hono);
    const against = (name: Subject): HitComparison => {
      const figure = summary(runs[name]);
      return {
        router: figure,
        bare_hono: bareFigure,
        ratio: round(figure.requests_per_s / bareFigure.requests_per_s, 3),
      };
    };
    return {
      client: "autocannon",
      connections,
      seconds,
      rounds,
      defaults: against("defaults"),
      public_deployment: { ...against("public_deployment"), settings: Object.keys(PUBLIC_SETTINGS) },
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    for (const { dataDir } of started) if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }
}
