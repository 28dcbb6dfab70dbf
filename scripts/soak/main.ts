// The soak (docs/soak.md): the Node router with two GPU backends (CPU here) and an
// S3-compatible server, under a steady mixed load at a fixed request rate from a bounded
// client for N minutes, with the router's memory, event loop, descriptors, sockets, cache
// and store latency read every 10 s. Writes soak.json and soak.svg and exits 1 when a rule
// of scripts/soak/verdict.ts fails.
//
//   npm run soak -- --minutes 30 --rate 25 [--out artifacts/soak] [--model fmnist-biflow-s]

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../../engine/project-root.js";
import { BACKEND_SECRET } from "../../tests/helpers/backend.js";
import { greyPng, hostilePngs } from "../../tests/helpers/hostile-png.js";
import { hostileRequest, seededRandom, type FuzzTarget } from "../../tests/helpers/hostile-requests.js";
import { KeepAliveClient } from "../../tests/helpers/keepalive-client.js";
import { soakChartSvg } from "./chart.js";
import { histogramBetween, parseExposition, type Series } from "./exposition.js";
import { startService, type Service } from "./processes.js";
import { Traffic, type PlannedRequest, type SoakTarget } from "./traffic.js";
import { judge, percentile, type JobResult, type Outcome, type Reading } from "./verdict.js";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    rate: { type: "string", default: "25" },
    out: { type: "string", default: path.join(PROJECT_ROOT, "artifacts", "soak") },
    model: { type: "string", default: "fmnist-biflow-s" },
    seed: { type: "string", default: "20261207" },
    "max-in-flight": { type: "string", default: "64" },
    "job-gap-seconds": { type: "string", default: "20" },
    "job-images": { type: "string", default: "320" },
    /** Re-draws the chart of a written soak.json (beside it as soak.svg) and exits. */
    "chart-from": { type: "string" },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) {
    console.error(`soak: --${name} must be a positive number (got ${JSON.stringify(value)})`);
    process.exit(2);
  }
  return n;
}

const MINUTES = positive("minutes", args.minutes);
const RATE = positive("rate", args.rate);
const MAX_IN_FLIGHT = positive("max-in-flight", args["max-in-flight"]);
const JOB_GAP_S = positive("job-gap-seconds", args["job-gap-seconds"]);
const JOB_IMAGES = positive("job-images", args["job-images"]);
const OUT = path.resolve(args.out);
const MODEL = args.model;
const SEED = Number(args.seed);
const READ_EVERY_S = 10;
const CLIENT_TIMEOUT_MS = 30_000;

const LISTENING = /"message":"listening","url":"(http:\/\/[^"]+)"/;

async function startAll(dataDir: string): Promise<{ router: Service; backends: Service[]; s3: Service }> {
  await mkdir(path.join(dataDir, "s3"), { recursive: true });
  const s3 = await startService(
    "s3rver",
    [
      path.join(PROJECT_ROOT, "node_modules/s3rver/bin/s3rver.js"),
      "-d",
      path.join(dataDir, "s3"),
      "-a",
      "127.0.0.1",
      "-p",
      "0",
      "--configure-bucket",
      "soak",
    ],
    {},
    /S3rver listening on 127\.0\.0\.1:(\d+)/,
    OUT,
  );
  const backendEnv = {
    PORT: "0",
    HOST: "127.0.0.1",
    BACKEND_SECRET,
    EXECUTION_PROVIDERS: "cpu",
    WORKERS: "1",
    INTRA_OP_THREADS: "1",
    MODELS_DIR: "",
  };
  const backends = await Promise.all(
    [0, 1].map((i) =>
      startService(`backend-${i}`, ["--import", "tsx", "gpu-backend/src/main.ts"], backendEnv, LISTENING, OUT),
    ),
  );
  const router = await startService(
    "router",
    ["--import", "tsx", "node/main.ts"],
    {
      PORT: "0",
      HOST: "127.0.0.1",
      MODELS_DIR: "",
      DATA_DIR: path.join(dataDir, "router"),
      S3_ENDPOINT: `http://127.0.0.1:${s3.ready}`,
      S3_BUCKET: "soak",
      S3_REGION: "us-east-1",
      S3_FORCE_PATH_STYLE: "true",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      GPU_BACKEND_URLS: backends.map((b) => b.ready).join(","),
      BACKEND_SECRET,
    },
    LISTENING,
    OUT,
  );
  return { router, backends, s3 };
}

interface ModelInfo {
  id: string;
  version: string;
  classes: { slug: string }[];
  image: { width: number; height: number };
}

/** Computes the cached share of the load: 40 samples over every class, with their canonical paths. */
async function warmUp(origin: string): Promise<SoakTarget> {
  const { models } = (await (await fetch(`${origin}/v1/models`)).json()) as { models: ModelInfo[] };
  const model = models.find((m) => m.id === MODEL);
  if (model === undefined)
    throw new Error(`the router does not serve ${MODEL} (serves ${models.map((m) => m.id).join(", ")})`);
  const slugs = model.classes.map((c) => c.slug);
  const warmPaths: string[] = [];
  const warmPngs: Uint8Array<ArrayBuffer>[] = [];
  let template: { slug: string; seed: number; path: string } | undefined;
  for (let i = 0; i < 40; i++) {
    const slug = slugs[i % slugs.length] ?? "null";
    const seed = 1_000 + i;
    const redirect = await fetch(`${origin}/v1/samples/${MODEL}/${slug}/${seed}.png`, { redirect: "manual" });
    const location = redirect.headers.get("location");
    if (redirect.status !== 302 || location === null)
      throw new Error(`warm-up: ${slug}/${seed} answered ${redirect.status}`);
    const canonical = new URL(location, origin);
    const res = await fetch(canonical);
    if (res.status !== 200) throw new Error(`warm-up: ${canonical.pathname} answered ${res.status}`);
    warmPaths.push(canonical.pathname + canonical.search);
    warmPngs.push(new Uint8Array(await res.arrayBuffer()));
    template ??= { slug, seed, path: canonical.pathname + canonical.search };
  }
  const t = template;
  if (t === undefined) throw new Error("warm-up computed nothing");
  const tail = `/${t.slug}/${t.seed}.png`;
  const [before, after] = [t.path.slice(0, t.path.indexOf(tail)), t.path.slice(t.path.indexOf(tail) + tail.length)];
  return {
    origin,
    model: MODEL,
    version: model.version,
    classSlugs: slugs,
    warmPaths,
    warmPngs,
    canonicalPath: (slug, seed) => `${before}/${slug}/${seed}.png${after}`,
  };
}

function fuzzTarget(target: SoakTarget, model: ModelInfo): FuzzTarget {
  return {
    model: { id: model.id, version: model.version, classes: target.classSlugs, ...model.image },
    maxBodyBytes: 16_384,
    maxImageBytes: 1_048_576,
    goodPng: greyPng(model.image.width, model.image.height, 90),
    hostilePngs: Object.values(hostilePngs()),
  };
}

async function scrape(url: string): Promise<Series> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

const MiB = 1024 * 1024;

interface Row {
  t: number;
  requests: number;
  ok: number;
  client_errors: number;
  shed: number;
  broken: number;
  dropped_by_client: number;
  p50_ms: number;
  p99_ms: number;
  router: {
    rss_mib: number;
    rss_less_cache_mib: number;
    heap_used_mib: number;
    external_mib: number;
    eventloop_p99_ms: number;
    eventloop_max_ms: number;
    open_fds: number;
    open_sockets: number;
    cache_mib: number;
    cache_entries: number;
    store_ops: number;
    store_mean_ms: number;
    store_p99_le_ms: number;
  };
  backends_rss_mib: number[];
  jobs_running: number;
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-soak-"));
  console.error(`soak: starting s3rver, two backends and the router (logs in ${OUT})`);
  const { router, backends, s3 } = await startAll(dataDir);
  const services = [router, ...backends, s3];
  const origin = router.ready;
  try {
    const target = await warmUp(origin);
    const { models } = (await (await fetch(`${origin}/v1/models`)).json()) as { models: ModelInfo[] };
    const info = models.find((m) => m.id === MODEL) as ModelInfo;
    const fuzz = fuzzTarget(target, info);
    const traffic = new Traffic(target, seededRandom(SEED), (i) => hostileRequest(SEED, i, fuzz));
    const raw = new KeepAliveClient(origin);
    console.error(
      `soak: ${MODEL}@${target.version} warm (${target.warmPaths.length} samples); ${MINUTES} min at ${RATE} requests/s, at most ${MAX_IN_FLIGHT} in flight`,
    );

    const outcomes: Outcome[] = [];
    const rows: Row[] = [];
    const readings: Reading[] = [];
    const jobs = new Map<string, { state: string; created_s: number; finished_s?: number }>();
    let inFlight = 0;
    let dropped = 0;
    let droppedInWindow = 0;
    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    const end = MINUTES * 60;

    const send = async (req: PlannedRequest): Promise<void> => {
      const t = elapsed();
      const began = performance.now();
      let status = 0;
      try {
        if (req.hostile !== undefined) {
          status = (await raw.send(req.hostile)).status;
        } else {
          const res = await fetch(origin + req.path, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            redirect: "manual",
            signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
          });
          await res.arrayBuffer();
          status = res.status;
        }
      } catch {
        // Reset, refused or past the client's timeout: status 0, a failure below HTTP.
      }
      outcomes.push({
        t,
        kind: req.kind,
        status,
        ms: performance.now() - began,
        expected: req.expect.includes(status),
      });
    };

    // One job at a time, the next JOB_GAP_S after the last one finished: every minute of the run,
    // the first and the last included, carries a share of job work.
    let nextJob = 0;
    let jobIndex = 0;
    let nextJobPoll = 0;
    const jobRunning = () => [...jobs.values()].some((j) => j.finished_s === undefined);
    const createJob = async (index: number) => {
      const body = {
        model: MODEL,
        classes: "all",
        count: JOB_IMAGES,
        seed: 100_000_000 + index * 1_000_000,
        outputs: ["tar"],
      };
      const res = await fetch(`${origin}/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const job = (await res.json()) as { id?: string; state?: string };
      if (res.status !== 202 || job.id === undefined) {
        jobs.set(`refused-${index}`, { state: `refused ${res.status}`, created_s: elapsed(), finished_s: elapsed() });
        nextJob = elapsed() + JOB_GAP_S;
      } else {
        jobs.set(job.id, { state: job.state ?? "queued", created_s: elapsed() });
      }
    };
    const pollJobs = async () => {
      for (const [id, job] of jobs) {
        if (job.finished_s !== undefined) continue;
        const res = await fetch(`${origin}/v1/jobs/${id}`);
        const state = ((await res.json()) as { state?: string }).state ?? `status ${res.status}`;
        job.state = state;
        if (state === "succeeded" || state === "failed" || state === "cancelled") {
          job.finished_s = elapsed();
          nextJob = job.finished_s + JOB_GAP_S;
        }
      }
    };

    let previous = { router: await scrape(origin), outcomes: 0 };
    const read = async () => {
      const t = elapsed();
      const now = await scrape(origin);
      const backendSeries = await Promise.all(backends.map((b) => scrape(b.ready)));
      const window = outcomes.slice(previous.outcomes);
      const ms = window.filter((o) => o.kind !== "hostile" && o.status !== 0).map((o) => o.ms);
      const store = histogramBetween(previous.router, now, "biflow_store_operation_duration_seconds");
      const g = (name: string) => now.get(name) ?? NaN;
      const rss = g("process_resident_memory_bytes");
      const cache = g("biflow_cache_bytes");
      const row: Row = {
        t: Math.round(t * 10) / 10,
        requests: window.length,
        ok: window.filter((o) => o.status >= 200 && o.status < 400).length,
        client_errors: window.filter((o) => o.status >= 400 && o.status < 500).length,
        shed: window.filter((o) => o.status === 503 || o.status === 504).length,
        broken: window.filter((o) => o.status === 0 || (o.status >= 500 && o.status !== 503 && o.status !== 504))
          .length,
        dropped_by_client: droppedInWindow,
        p50_ms: percentile(ms, 0.5),
        p99_ms: percentile(ms, 0.99),
        router: {
          rss_mib: rss / MiB,
          rss_less_cache_mib: (rss - cache) / MiB,
          heap_used_mib: g("nodejs_heap_size_used_bytes") / MiB,
          external_mib: g("nodejs_external_memory_bytes") / MiB,
          eventloop_p99_ms: g('nodejs_eventloop_delay_seconds{quantile="0.99"}') * 1000,
          eventloop_max_ms: g('nodejs_eventloop_delay_seconds{quantile="1"}') * 1000,
          open_fds: g("process_open_fds"),
          open_sockets: g("nodejs_open_sockets"),
          cache_mib: cache / MiB,
          cache_entries: g("biflow_cache_entries"),
          store_ops: store.count,
          store_mean_ms: store.mean * 1000,
          store_p99_le_ms: store.quantile(0.99) * 1000,
        },
        backends_rss_mib: backendSeries.map((s) => (s.get("process_resident_memory_bytes") ?? NaN) / MiB),
        jobs_running: [...jobs.values()].filter((j) => j.finished_s === undefined).length,
      };
      rows.push(row);
      readings.push({ t, rssBytes: rss, cacheBytes: cache });
      previous = { router: now, outcomes: outcomes.length };
      droppedInWindow = 0;
      console.error(
        `soak ${(t / 60).toFixed(1)}/${MINUTES} min: ${outcomes.length} requests (${row.requests} in the last ${READ_EVERY_S} s: ${row.ok} ok, ${row.client_errors} 4xx, ${row.shed} shed, ${row.broken} broken), p99 ${row.p99_ms.toFixed(1)} ms, RSS ${row.router.rss_mib.toFixed(0)} MiB (cache ${row.router.cache_mib.toFixed(1)}), loop p99 ${row.router.eventloop_p99_ms.toFixed(1)} ms, jobs running ${row.jobs_running}`,
      );
    };

    // Open loop: request i is due at i / RATE seconds, whatever earlier ones are doing; one that
    // finds MAX_IN_FLIGHT unanswered is not sent (counted), so a stalled service cannot pile up
    // an unbounded client.
    const pending = new Set<Promise<void>>();
    let sent = 0;
    let nextRead = READ_EVERY_S;
    // Ctrl-C or SIGTERM ends the load early; the run is still judged, written and torn down.
    let interrupted = false;
    const interrupt = () => {
      interrupted = true;
      console.error("soak: interrupted; stopping the load and writing what was measured");
    };
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
    while (elapsed() < end && !interrupted) {
      const now = elapsed();
      while (sent < Math.floor(now * RATE)) {
        sent += 1;
        if (inFlight >= MAX_IN_FLIGHT) {
          dropped += 1;
          droppedInWindow += 1;
          continue;
        }
        inFlight += 1;
        const p = send(traffic.next()).finally(() => {
          inFlight -= 1;
          pending.delete(p);
        });
        pending.add(p);
      }
      if (now >= nextJobPoll) {
        nextJobPoll = now + 2;
        await pollJobs();
      }
      if (now >= nextJob && !jobRunning()) {
        nextJob = Infinity; // until this one is seen finished
        void createJob(jobIndex++);
      }
      if (now >= nextRead) {
        nextRead += READ_EVERY_S;
        await read();
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1, Math.min(20, ((sent + 1) / RATE - elapsed()) * 1000))),
      );
    }
    const seconds = elapsed();
    await Promise.all(pending);
    raw.close();
    // Jobs started near the end get two minutes to finish.
    const jobDeadline = performance.now() + 120_000;
    while ([...jobs.values()].some((j) => j.finished_s === undefined) && performance.now() < jobDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await pollJobs();
    }
    await read();

    const jobResults: JobResult[] = [...jobs].map(([id, j]) => ({ id, state: j.state }));
    const verdict = judge(outcomes, readings, jobResults, seconds);
    const died = services.filter((s) => s.died()).map((s) => s.name);
    if (interrupted) verdict.failures.push(`interrupted after ${Math.round(seconds)} s of ${end} s`);
    if (died.length > 0) verdict.failures.push(`process(es) exited during the run: ${died.join(", ")}`);
    if (dropped > 0.01 * sent)
      verdict.failures.push(
        `the client dropped ${dropped} of ${sent} due requests (more than 1%): the service fell behind`,
      );
    const passed = verdict.failures.length === 0;

    const byKind: Record<string, { statuses: Record<string, number>; p50_ms: number; p99_ms: number }> = {};
    for (const kind of new Set(outcomes.map((o) => o.kind))) {
      const of = outcomes.filter((o) => o.kind === kind);
      const statuses: Record<string, number> = {};
      for (const o of of) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
      const ms = of.map((o) => o.ms);
      byKind[kind] = { statuses, p50_ms: percentile(ms, 0.5), p99_ms: percentile(ms, 0.99) };
    }
    const report = {
      passed,
      failures: verdict.failures,
      settings: {
        minutes: MINUTES,
        rate_per_s: RATE,
        max_in_flight: MAX_IN_FLIGHT,
        seed: SEED,
        model: `${MODEL}@${target.version}`,
        job_images: JOB_IMAGES,
        job_gap_s: JOB_GAP_S,
      },
      figures: {
        ...verdict.figures,
        seconds: Math.round(seconds),
        due: sent,
        dropped_by_client: dropped,
        by_kind: byKind,
        rss_start_mib: rows[0]?.router.rss_mib,
        rss_end_mib: rows[rows.length - 1]?.router.rss_mib,
        cache_end_mib: rows[rows.length - 1]?.router.cache_mib,
        jobs: [...jobs].map(([id, j]) => ({ id, ...j })),
        // The p99 of each minute (hostile requests left out, as in the rule): the trend in full.
        p99_by_minute_ms: Array.from({ length: Math.ceil(seconds / 60) }, (_, m) =>
          percentile(
            outcomes
              .filter((o) => o.kind !== "hostile" && o.status !== 0 && Math.floor(o.t / 60) === m)
              .map((o) => o.ms),
            0.99,
          ),
        ),
      },
      rows,
      recorded_at: new Date().toISOString(),
    };
    await writeFile(path.join(OUT, "soak.json"), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(OUT, "soak.svg"), chart(rows, report.settings));
    const f = verdict.figures;
    console.error(
      `soak ${passed ? "passed" : "FAILED"}: ${f.requests} requests ${JSON.stringify(f.by_status)}, shed ${(f.shed_share * 100).toFixed(3)}%, p99 first/last minute ${f.p99_first_minute_ms.toFixed(1)}/${f.p99_last_minute_ms.toFixed(1)} ms, RSS ${report.figures.rss_start_mib?.toFixed(0)} -> ${report.figures.rss_end_mib?.toFixed(0)} MiB, RSS less cache growth ${(f.rss_less_cache_growth * 100).toFixed(1)}% after the first minute; ${OUT}/soak.json, soak.svg`,
    );
    for (const failure of verdict.failures) console.error(`  - ${failure}`);
    process.exitCode = passed ? 0 : 1;
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

function chart(rows: readonly Row[], settings: { model: string; minutes: number; rate_per_s: number }): string {
  const { model } = settings;
  const m = (r: Row) => r.t / 60;
  const line = (label: string, color: string, value: (r: Row) => number) => ({
    label,
    color,
    points: rows.map((r) => [m(r), value(r)] as const),
  });
  const minutes = Math.max(settings.minutes, ...rows.map(m));
  return soakChartSvg(
    `Soak: ${model}, ${settings.minutes} min at ${settings.rate_per_s} requests/s`,
    "Node router + two CPU backends + s3rver, every 10 s",
    minutes,
    [
      {
        title: "Router memory",
        unit: "MiB",
        lines: [
          line("resident", "#1f77b4", (r) => r.router.rss_mib),
          line("resident less cache", "#2ca02c", (r) => r.router.rss_less_cache_mib),
          line("V8 heap used", "#ff7f0e", (r) => r.router.heap_used_mib),
          line("sample cache", "#9467bd", (r) => r.router.cache_mib),
          line("backend 0 resident", "#8c564b", (r) => r.backends_rss_mib[0] ?? NaN),
          line("backend 1 resident", "#e377c2", (r) => r.backends_rss_mib[1] ?? NaN),
        ],
      },
      {
        title: "Latency per 10 s window",
        unit: "ms (log)",
        log: true,
        lines: [
          line("client p50", "#2ca02c", (r) => r.p50_ms),
          line("client p99", "#d62728", (r) => r.p99_ms),
          line("event loop p99", "#ff7f0e", (r) => r.router.eventloop_p99_ms),
          line("store call mean", "#1f77b4", (r) => r.router.store_mean_ms),
        ],
      },
      {
        title: "Requests per second, by answer",
        unit: "requests/s",
        lines: [
          line("2xx/3xx", "#2ca02c", (r) => r.ok / READ_EVERY_S),
          line("4xx (hostile share)", "#ff7f0e", (r) => r.client_errors / READ_EVERY_S),
          line("503/504", "#d62728", (r) => r.shed / READ_EVERY_S),
          line("other 5xx, reset", "#000000", (r) => r.broken / READ_EVERY_S),
        ],
      },
      {
        title: "Router descriptors and sockets",
        unit: "count",
        lines: [
          line("open descriptors", "#1f77b4", (r) => r.router.open_fds),
          line("open sockets", "#ff7f0e", (r) => r.router.open_sockets),
          line("jobs running", "#9467bd", (r) => r.jobs_running),
        ],
      },
    ],
  );
}

if (args["chart-from"] !== undefined) {
  const file = path.resolve(args["chart-from"]);
  const report = JSON.parse(await readFile(file, "utf8")) as {
    rows: Row[];
    settings: { model: string; minutes: number; rate_per_s: number };
  };
  const svg = path.join(path.dirname(file), path.basename(file, ".json") + ".svg");
  await writeFile(svg, chart(report.rows, report.settings));
  console.error(`soak: drew ${svg}`);
} else {
  await main();
}
// Keep-alive sockets of fetch's pool would hold the process a few seconds more for nothing.
process.exit(process.exitCode ?? 0);
