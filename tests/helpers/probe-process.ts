// A latency probe in its own process (node --import tsx tests/helpers/probe-process.ts BASE
// HIT_PATH DURATION_MS PID [START_AT]): from the wall-clock time START_AT (ms since the epoch,
// shared with the burst process; default now), /health/live and one cache hit, alternately on
// one keep-alive socket, plus the router's resident memory, so no load generator in the same
// process can delay the measurement. Prints "probing", then one JSON line of figures at the end.

import { readFile } from "node:fs/promises";
import { Agent, get } from "node:http";
import { untilTime } from "./start-at.js";

const [base = "", hitPath = "", durationText = "0", pidText = "0", startAtText = "0"] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function timed(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    }).on("error", reject);
  });
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

async function main(): Promise<void> {
  const pid = Number(pidText);
  const live: number[] = [];
  const hits: { status: number; ms: number }[] = [];
  let rssPeak = 0;
  process.stdout.write("probing\n");
  await untilTime(Number(startAtText));
  const end = performance.now() + Number(durationText);
  while (performance.now() < end) {
    live.push((await timed(`${base}/health/live`)).ms);
    hits.push(await timed(`${base}${hitPath}`));
    rssPeak = Math.max(rssPeak, await rssMiB(pid));
  }
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ live, hits, rssPeak })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
