// P5 for the Worker (issue 24, item 1): requests/s of a cached canonical sample URL through
// the Worker (wrangler.toml, defaults) under `wrangler dev` against a bare Hono Worker
// serving the same PNG bytes (bare-hono-worker.ts), both in workerd on free loopback ports,
// started here and stopped afterwards. autocannon, HIT_CONNECTIONS connections, the two
// taking turns within each round (each in both positions), medians over the rounds.
// BENCH_SECONDS per run (default 3), BENCH_REPEATS rounds (default 5, at least 3);
// BENCH_WORKER_VARS=NAME:VALUE,... overrides the Worker's vars (a diagnosis, not the figure).
//
//   node --import tsx scripts/bench/worker-p5.ts

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HIT_CONNECTIONS, MIN_HIT_ROUNDS, summary, takeTurns, type LoadFigure } from "./cached-hit-load.js";
import { round } from "./stats.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Dev {
  url: string;
  stop: () => Promise<void>;
}

/** `wrangler dev` in its own process group (wrangler, esbuild and workerd stop together). */
async function wranglerDev(name: string, args: readonly string[]): Promise<Dev> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    WRANGLER,
    ["dev", ...args, "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"],
    {
      cwd: ROOT,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  let output = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready in 120 s:\n${output}`)), 120_000);
      const onData = (chunk: Buffer) => {
        if (output.length < 100_000) output += chunk.toString();
        if (output.includes(`Ready on http://127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => reject(new Error(`${name}: wrangler exited with ${String(code)}:\n${output}`)));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  // The access log goes to stdout: keep draining it, keep nothing.
  child.stdout?.removeAllListeners("data");
  child.stderr?.removeAllListeners("data");
  child.stdout?.resume();
  child.stderr?.resume();
  return { url: `http://127.0.0.1:${port}`, stop };
}

export interface WorkerHitResult {
  client: "autocannon";
  connections: number;
  seconds: number;
  rounds: number;
  target: string;
  worker: LoadFigure;
  bare_hono_worker: LoadFigure;
  ratio: number;
  per_round: { worker: number; bare_hono_worker: number }[];
}

export async function workerCachedHitLoad(
  model: string,
  connections: number,
  seconds: number,
  rounds: number,
): Promise<WorkerHitResult> {
  const work = await mkdtemp(path.join(tmpdir(), "biflow-bench-worker-hit-"));
  const devs: Dev[] = [];
  try {
    const vars = (process.env.BENCH_WORKER_VARS ?? "").split(",").filter((v) => v !== "");
    const worker = await wranglerDev("worker", [
      "--persist-to",
      path.join(work, "state"),
      ...vars.flatMap((v) => ["--var", v]),
    ]);
    devs.push(worker);
    const post = await fetch(`${worker.url}/v1/samples`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, n: 1, class: 1, seed: 42 }),
    });
    if (post.status !== 200) throw new Error(`POST /v1/samples answered ${post.status}: ${await post.text()}`);
    const sample = ((await post.json()) as { samples: { url: string }[] }).samples[0];
    const canonical = new URL(sample?.url ?? "");
    const target = canonical.pathname + canonical.search;
    // The first GETs read the PNG and fill caches.default (a waitUntil write).
    let png = new Uint8Array();
    for (let i = 0; i < 3; i++) png = new Uint8Array(await (await fetch(worker.url + target)).arrayBuffer());
    const check = await fetch(worker.url + target);
    await check.arrayBuffer();
    if (check.headers.get("x-sample-source") !== "cache")
      throw new Error(`the sample URL is not a cache hit: ${check.headers.get("x-sample-source") ?? "none"}`);

    const config = path.join(work, "bare.toml");
    await writeFile(
      config,
      `name = "bare-hono-bench"\nmain = ${JSON.stringify(path.join(ROOT, "scripts/bench/bare-hono-worker.ts"))}\ncompatibility_date = "2026-04-20"\n`,
    );
    const bare = await wranglerDev("bare hono worker", [
      "--config",
      config,
      "--persist-to",
      path.join(work, "bare-state"),
      "--var",
      `PNG_BASE64:${Buffer.from(png).toString("base64")}`,
    ]);
    devs.push(bare);
    const bareCheck = new Uint8Array(await (await fetch(`${bare.url}/x.png`)).arrayBuffer());
    if (Buffer.compare(bareCheck, png) !== 0) throw new Error("the bare Worker does not serve the same bytes");

    const targets = { worker: worker.url + target, bare_hono_worker: `${bare.url}/x.png` };
    const runs = await takeTurns(
      "worker cached hit",
      targets,
      ["worker", "bare_hono_worker"] as const,
      connections,
      seconds,
      rounds,
    );
    const w = summary(runs.worker);
    const b = summary(runs.bare_hono_worker);
    return {
      client: "autocannon",
      connections,
      seconds,
      rounds,
      target,
      worker: w,
      bare_hono_worker: b,
      ratio: round(w.requests_per_s / b.requests_per_s, 3),
      per_round: runs.worker.map((x, i) => ({
        worker: round(x.requests.average),
        bare_hono_worker: round(runs.bare_hono_worker[i]?.requests.average ?? NaN),
      })),
    };
  } finally {
    for (const dev of devs.reverse()) await dev.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.env.BENCH_SECONDS ?? "3");
  const rounds = Math.max(MIN_HIT_ROUNDS, Number(process.env.BENCH_REPEATS ?? "5"));
  const model = process.env.BENCH_MODEL ?? "fmnist-biflow-s";
  const result = await workerCachedHitLoad(model, HIT_CONNECTIONS, seconds, rounds);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
