// Cold start of `npm start` (issue 24, item 4): from spawning the command, as an operator
// does, to the listening line and to the first sample served (an uncached URL over an empty
// data directory, so the first answer is a real compute). The median of `rounds` starts.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../engine/project-root.js";
import { median, round } from "./stats.js";

export interface ColdStart {
  rounds: number;
  to_listening_ms: number;
  to_first_sample_ms: number;
  /** What the first request itself took (sessions are warm by then: the engine starts before listening). */
  first_request_ms: number;
}

async function once(model: string): Promise<{ listening: number; sample: number; request: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-cold-"));
  const started = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      MODELS_DIR: "",
      DATA_DIR: dataDir,
      S3_ENDPOINT: "",
      GPU_BACKEND_URLS: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: npm, the playground build and node stop together
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(
        () => reject(new Error(`npm start printed no listening line in 120 s:\n${output}`)),
        120_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"message":"listening","url":"(http:\/\/[^"]+)"/.exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`npm start exited with ${String(code)}:\n${output}`)));
    });
    const listening = performance.now() - started;
    const requested = performance.now();
    const res = await fetch(`${url}/v1/samples/${model}/coat/424242.png`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`the first sample answered ${res.status}`);
    const sample = performance.now() - started;
    return { listening, sample, request: performance.now() - requested };
  } finally {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)));
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function coldStart(model: string, rounds: number): Promise<ColdStart> {
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const run = await once(model);
    process.stderr.write(
      `bench: cold start ${r + 1}/${rounds}: listening after ${round(run.listening)} ms, first sample after ${round(run.sample)} ms\n`,
    );
    runs.push(run);
  }
  return {
    rounds,
    to_listening_ms: round(median(runs.map((r) => r.listening))),
    to_first_sample_ms: round(median(runs.map((r) => r.sample))),
    first_request_ms: round(median(runs.map((r) => r.request)), 1),
  };
}
