// Type-checks every TypeScript project in the repository, as many at once as there are cores:
// one project after another took ~2 minutes of CI on 2 cores, most of it waiting on a single
// tsc process. workers/ and tests/worker/ import workers/models.generated.ts, so it is written
// first. Exits non-zero, with each failing project's compiler output, if any project fails.

import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** tsconfig paths, relative to the root; each is checked without emitting. */
const PROJECTS = [
  "tsconfig.json",
  "node/tsconfig.json",
  "engine/tsconfig.json",
  "gpu-backend/tsconfig.json",
  "tests/tsconfig.json",
  "scripts/tsconfig.json",
  "web/tsconfig.json",
  "workers/tsconfig.json",
  "tests/worker/tsconfig.json",
];

interface Outcome {
  project: string;
  code: number;
  output: string;
  seconds: number;
}

function run(command: string, args: string[], label: string): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) =>
      resolve({ project: label, code: code ?? 1, output, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

async function checkAll(projects: string[], parallel: number): Promise<Outcome[]> {
  const queue = [...projects];
  const outcomes: Outcome[] = [];
  const lane = async () => {
    for (let project = queue.shift(); project; project = queue.shift()) {
      const outcome = await run(process.execPath, [TSC, "-p", project, "--noEmit"], project);
      console.log(`${outcome.code === 0 ? "ok  " : "FAIL"} ${project} (${outcome.seconds.toFixed(1)} s)`);
      outcomes.push(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, projects.length) }, lane));
  return outcomes;
}

const generate = await run(process.execPath, ["--import", "tsx", "scripts/worker-models.ts"], "worker-models");
if (generate.code !== 0) {
  process.stderr.write(generate.output);
  process.exit(generate.code);
}
const outcomes = await checkAll(PROJECTS, availableParallelism());
const failed = outcomes.filter((o) => o.code !== 0);
for (const f of failed) process.stderr.write(`\n--- ${f.project} ---\n${f.output}`);
process.exit(failed.length ? 1 : 0);
