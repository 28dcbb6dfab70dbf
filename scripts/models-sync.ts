// `npm run models:sync`: regenerates everything derived from the model files in models/ after
// a retrain or re-export (new weights, same contract). Idempotent: a second run changes nothing.
//   1. workers/models.generated.ts   which ONNX files the Worker bundles, which it reads from R2
//   2. tests/worker/golden/          Node WASM PNGs and bits/dim the Worker test compares with
//   3. README.md generated blocks    models table, API examples (ids, versions, keys, ETags,
//                                    likelihoods) from a real router; docs/usage.md's
//                                    GET /v1/models answer from the same router
//   4. docs/worker.md generated block  the Worker's bundle size (wrangler deploy --dry-run)
// Then commit what it lists as changed.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { formatMarkdown, replaceBlock } from "./lib/readme-blocks.js";
import { README, USAGE_DOC, writeReadmeExamples } from "./readme-examples.js";
import { GENERATED_PATH, writeModelsModule, type EdgeModel } from "./worker-models.js";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const GOLDEN_DIR = path.join(ROOT, "tests", "worker", "golden");
const DRY_RUN_DIR = path.join(ROOT, ".wrangler", "dry-run");
/** The Worker's reference page, which holds the `worker-size` block. */
const WORKER_DOC = path.join(ROOT, "docs", "worker.md");

/** sha256 of every file under `target` (a file or a folder), by relative path. */
async function digest(target: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (p: string): Promise<void> => {
    const info = await stat(p).catch(() => undefined);
    if (info === undefined) return;
    if (info.isDirectory()) {
      for (const name of (await readdir(p)).sort()) await walk(path.join(p, name));
      return;
    }
    hash
      .update(path.relative(ROOT, p))
      .update("\0")
      .update(await readFile(p));
  };
  await walk(target);
  return hash.digest("hex");
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/**
 * `wrangler deploy --dry-run` into a clean folder (stale Data modules would linger there), and
 * the size paragraph of docs/worker.md: wrangler's totals, then what they are made of.
 */
async function workerSize(edge: EdgeModel[]): Promise<string> {
  await rm(DRY_RUN_DIR, { recursive: true, force: true });
  const { stdout } = await run(
    path.join(ROOT, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--outdir", DRY_RUN_DIR],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const total = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(stdout);
  if (total === null) throw new Error(`wrangler deploy --dry-run printed no "Total Upload":\n${stdout}`);
  const sizes = async (file: string) => {
    const bytes = await readFile(file);
    return `${kib(bytes.length)}, ${kib(gzipSync(bytes).length)} gzipped`;
  };
  const outputs = await readdir(DRY_RUN_DIR);
  const wasm = outputs.find((f) => f.endsWith("ort-wasm-simd-threaded.wasm"));
  if (wasm === undefined) throw new Error("wrangler's output has no ort-wasm-simd-threaded.wasm");
  const bundled = await Promise.all(
    edge.flatMap((m) =>
      m.bundled.map(async (f) => `\`${m.folder}/${f}\` (${await sizes(path.join(ROOT, "models", m.folder, f))})`),
    ),
  );
  const inR2 = edge.flatMap((m) => m.inR2.map((f) => `\`${m.folder}/${f}\``));
  return [
    `**Size.** \`npm run worker:size\` (\`wrangler deploy --dry-run\`) with the models in \`models/\`:`,
    `**Total Upload: ${total[1] ?? ""} / gzip: ${total[2] ?? ""}**: onnxruntime-web's`,
    `\`ort-wasm-simd-threaded.wasm\` (${await sizes(path.join(DRY_RUN_DIR, wasm))}), the minified JS`,
    `(${await sizes(path.join(DRY_RUN_DIR, "index.js"))}) and the bundled model files:`,
    `${bundled.length === 0 ? "none" : bundled.join(", ")}.`,
    inR2.length === 0 ? "Every edge model file is bundled." : `Read from R2 instead: ${inR2.join(", ")}.`,
  ].join("\n");
}

async function main(): Promise<void> {
  const outputs = {
    "workers/models.generated.ts": GENERATED_PATH,
    "tests/worker/golden/": GOLDEN_DIR,
    "README.md": README,
    "docs/usage.md": USAGE_DOC,
    "docs/worker.md": WORKER_DOC,
  };
  const before = Object.fromEntries(
    await Promise.all(Object.entries(outputs).map(async ([name, p]) => [name, await digest(p)] as const)),
  );
  const say = (line: string) => process.stdout.write(`models:sync: ${line}\n`);

  const { models: edge } = await writeModelsModule();
  say("workers/models.generated.ts");
  for (const m of edge)
    say(`  ${m.folder}: bundled ${m.bundled.join(", ") || "nothing"}; R2 ${m.inR2.join(", ") || "nothing"}`);

  // A child process: the golden script owns its ORT runtime and exits when done.
  const golden = await run(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker-golden.ts")], {
    cwd: ROOT,
  });
  say(`tests/worker/golden/: ${golden.stdout.trim()}`);

  await writeReadmeExamples();
  say("README.md, docs/usage.md: models table and API examples captured from a router over models/");

  const size = await workerSize(edge);
  const text = await readFile(WORKER_DOC, "utf8");
  const next = await formatMarkdown(replaceBlock(text, "worker-size", size, "docs/worker.md"), WORKER_DOC);
  if (next !== text) await writeFile(WORKER_DOC, next);
  say(`docs/worker.md: Worker size (${/Total Upload: [^*]+/.exec(size)?.[0] ?? "?"})`);

  const changed: string[] = [];
  for (const [name, p] of Object.entries(outputs)) if ((await digest(p)) !== before[name]) changed.push(name);
  say(changed.length === 0 ? "everything was up to date" : `changed, commit: ${changed.join(" ")}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`models:sync: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
