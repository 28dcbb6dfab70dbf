// `npm run bench:backend` (part of `npm run bench`): GPU-backend throughput and latency at
// concurrency 1, 8 and 64 with batching on and off (real backend processes, signed HTTP,
// one image per request), then the model alone at batch 64 in onnxruntime-node against
// PyTorch eager on the same reverse.onnx. Runs alternate side by side; medians reported.
// Prints a table and writes JSON (BENCH_OUT, default artifacts/bench.json).
//
// Environment: BENCH_MODELS_DIR (a folder holding one model folder; default: models/
// fmnist-biflow-s when present, else an untrained s-architecture export), BENCH_SECONDS (4),
// BENCH_REPEATS (3), BENCH_THREADS (all cores), BENCH_PROVIDERS (cpu), BENCH_DELAY_MS (2).

import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadServedModels, type ServedModel } from "../../gpu-backend/src/models.js";
import { parseProviders } from "../../engine/onnx/providers.js";
import { silentLogger } from "../../src/logger.js";
import { startBackend } from "../../tests/helpers/backend.js";
import { ROOT } from "../../tests/helpers/fixtures.js";
import { directBench, imagesPerSecond } from "./direct.js";
import { runLoad, type LoadResult } from "./load.js";
import { median, round } from "./stats.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? "4");
const REPEATS = Number(env.BENCH_REPEATS ?? "3");
const THREADS = Number(env.BENCH_THREADS ?? String(availableParallelism()));
const PROVIDERS = env.BENCH_PROVIDERS ?? "cpu";
const DELAY_MS = env.BENCH_DELAY_MS ?? "2";
const OUT = path.resolve(ROOT, env.BENCH_OUT ?? "artifacts/bench.json");
/** BENCH_CONCURRENCY narrows the client counts (`npm run bench` measures 64 only). */
const CONCURRENCY: readonly number[] =
  env.BENCH_CONCURRENCY === undefined ? [1, 8, 64] : env.BENCH_CONCURRENCY.split(",").map(Number);
const DIRECT_BATCH = 64;

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A folder holding exactly one model folder, and whether that model is trained. */
async function benchModelsDir(): Promise<{ dir: string; note: string }> {
  if (env.BENCH_MODELS_DIR !== undefined) return { dir: path.resolve(env.BENCH_MODELS_DIR), note: "BENCH_MODELS_DIR" };
  const trained = path.join(ROOT, "models", "fmnist-biflow-s");
  if (await exists(path.join(trained, "manifest.json"))) {
    const dir = await mkdtemp(path.join(tmpdir(), "biflow-bench-models-"));
    await cp(trained, path.join(dir, "fmnist-biflow-s"), { recursive: true });
    return { dir, note: "trained model models/fmnist-biflow-s" };
  }
  const dir = path.join(ROOT, "artifacts", "bench-model");
  if (!(await exists(path.join(dir, "untrained-biflow-s", "manifest.json")))) {
    process.stderr.write("bench: no trained model yet; exporting an untrained s-architecture reverse model\n");
    await run(PYTHON, [path.join(ROOT, "scripts/bench/export_untrained.py"), "--out", dir], {
      env: { ...env, OPENBLAS_NUM_THREADS: "1" },
    });
  }
  return { dir, note: "UNTRAINED s architecture (random weights; same graph and cost as the trained one)" };
}

interface TorchRun {
  images_per_s: number;
  max_abs_diff_vs_onnxruntime: number;
  threads: number;
}

/**
 * PyTorch's allocator hands large tensors back to the OS after each op with glibc's
 * defaults, and page faults then cost it ~10x here; these keep freed memory for reuse (the
 * usual fix, like jemalloc). One OpenBLAS thread per process (docs/architecture.md, "Measured facts").
 */
const TORCH_ENV = {
  OPENBLAS_NUM_THREADS: "1",
  MALLOC_MMAP_THRESHOLD_: "33554432",
  MALLOC_TRIM_THRESHOLD_: "1073741824",
};

async function torchEager(model: ServedModel, inputs: string, threads: number): Promise<TorchRun> {
  const { channels, height, width } = model.entry.manifest.image;
  const onnxPath = path.join(inputs, "reverse.onnx");
  const { stdout } = await run(
    PYTHON,
    [
      path.join(ROOT, "scripts/bench/torch_eager.py"),
      ...["--onnx", onnxPath, "--inputs", inputs, "--batch", String(DIRECT_BATCH), "--iters", "5"],
      ...["--threads", String(threads), "--shape", `${channels},${height},${width}`],
    ],
    { env: { ...env, ...TORCH_ENV }, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as TorchRun;
}

async function httpBench(model: ServedModel, modelsDir: string): Promise<Record<string, LoadResult[]>> {
  const common = {
    MODELS_DIR: modelsDir,
    EXECUTION_PROVIDERS: PROVIDERS,
    INTRA_OP_THREADS: String(THREADS),
    MAX_QUEUE: "4096",
  };
  // Same process settings; batching off means one image per model run and no waiting.
  const on = await startBackend({ ...common, MAX_BATCH: "64", MAX_DELAY_MS: DELAY_MS });
  const off = await startBackend({ ...common, MAX_BATCH: "1", MAX_DELAY_MS: "0" });
  const { id, version } = model.entry.manifest;
  const results: Record<string, LoadResult[]> = {};
  try {
    let seed = 1;
    for (let r = 0; r < REPEATS; r++) {
      for (const c of CONCURRENCY) {
        // Alternate which mode goes first so drift on a shared machine hits both alike.
        const order = r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
        for (const mode of order) {
          const target = { url: (mode === "on" ? on : off).url, model: id, version };
          await runLoad(target, c, 0.5, (seed += 100_000));
          const result = await runLoad(target, c, SECONDS, (seed += 100_000));
          (results[`${mode}:${c}`] ??= []).push(result);
          process.stderr.write(
            `bench: run ${r + 1}/${REPEATS} batching ${mode} c=${c}: ${round(result.images_per_s)} img/s, p50 ${round(result.p50_ms)} ms, p99 ${round(result.p99_ms)} ms, mean batch ${round(result.mean_batch)}\n`,
          );
        }
      }
    }
  } finally {
    await Promise.all([on.stop("SIGTERM"), off.stop("SIGTERM")]);
  }
  return results;
}

async function directComparison(model: ServedModel) {
  const inputs = await mkdtemp(path.join(tmpdir(), "biflow-bench-direct-"));
  try {
    await writeFile(path.join(inputs, "reverse.onnx"), model.reverse);
    const { providers } = parseProviders(PROVIDERS);
    const ort = await directBench(
      { reverse: model.reverse, manifest: model.entry.manifest },
      DIRECT_BATCH,
      providers,
      THREADS,
      inputs,
    );
    // onnxruntime-node on one thread too: PyTorch is often fastest on one here.
    const ortOne = await directBench(
      { reverse: model.reverse, manifest: model.entry.manifest },
      DIRECT_BATCH,
      providers,
      1,
      inputs,
    );
    const runs: {
      onnxruntime_node: number;
      onnxruntime_node_1_thread: number;
      pytorch_eager: number;
      pytorch_runs: TorchRun[];
    }[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const ortIps = imagesPerSecond(DIRECT_BATCH, await ort.measure(10));
      const ortOneIps = imagesPerSecond(DIRECT_BATCH, await ortOne.measure(5));
      // PyTorch gets its better thread count: one, or one per core (OpenMP suffers when
      // the cores are shared, so one is often faster here).
      const torchRuns = [await torchEager(model, inputs, 1), await torchEager(model, inputs, THREADS)];
      const best = Math.max(...torchRuns.map((t) => t.images_per_s));
      runs.push({
        onnxruntime_node: ortIps,
        onnxruntime_node_1_thread: ortOneIps,
        pytorch_eager: best,
        pytorch_runs: torchRuns,
      });
      process.stderr.write(
        `bench: run ${r + 1}/${REPEATS} batch ${DIRECT_BATCH}: onnxruntime-node ${round(ortIps)} img/s, PyTorch eager ${round(best)} img/s\n`,
      );
    }
    const ortMedian = median(runs.map((x) => x.onnxruntime_node));
    const torchMedian = median(runs.map((x) => x.pytorch_eager));
    return {
      batch: DIRECT_BATCH,
      provider: ort.provider,
      onnxruntime_node_images_per_s: round(ortMedian),
      onnxruntime_node_1_thread_images_per_s: round(median(runs.map((x) => x.onnxruntime_node_1_thread))),
      pytorch_eager_images_per_s: round(torchMedian),
      ratio: round(ortMedian / torchMedian, 2),
      max_abs_diff: Math.max(...runs.flatMap((x) => x.pytorch_runs.map((t) => t.max_abs_diff_vs_onnxruntime))),
      runs,
    };
  } finally {
    await rm(inputs, { recursive: true, force: true });
  }
}

function table(http: Record<string, LoadResult[]>): { rows: Record<string, number | string>[]; text: string } {
  const rows = CONCURRENCY.flatMap((c) =>
    (["on", "off"] as const).map((mode) => {
      const runs = http[`${mode}:${c}`] ?? [];
      return {
        concurrency: c,
        batching: mode,
        images_per_s: round(median(runs.map((x) => x.images_per_s))),
        p50_ms: round(median(runs.map((x) => x.p50_ms))),
        p99_ms: round(median(runs.map((x) => x.p99_ms))),
        mean_batch: round(median(runs.map((x) => x.mean_batch))),
      };
    }),
  );
  const lines = [
    "| concurrency | batching | images/s | p50 ms | p99 ms | mean batch |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.concurrency} | ${r.batching} | ${r.images_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.mean_batch} |`,
    );
  }
  return { rows, text: lines.join("\n") };
}

async function main(): Promise<void> {
  // Other work on the machine skews every number: the load average is part of the result.
  const loadAtStart = loadavg()[0] ?? NaN;
  const { dir, note } = await benchModelsDir();
  const { models } = await loadServedModels(dir, silentLogger);
  const model = models[0];
  if (model === undefined || models.length !== 1) throw new Error(`${dir} must hold exactly one GPU-placed model`);
  const http = await httpBench(model, dir);
  // BENCH_SKIP_DIRECT=1: `npm run bench` measures the model alone itself (scripts/bench/all.ts).
  const direct = env.BENCH_SKIP_DIRECT === "1" ? undefined : await directComparison(model);
  const { rows, text } = table(http);
  const speedup = (c: number) => {
    const on = rows.find((r) => r.concurrency === c && r.batching === "on")?.images_per_s;
    const off = rows.find((r) => r.concurrency === c && r.batching === "off")?.images_per_s;
    return typeof on === "number" && typeof off === "number" ? round(on / off, 2) : NaN;
  };
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      node: process.version,
      threads: THREADS,
      load_average_1m: { start: round(loadAtStart, 2), end: round(loadavg()[0] ?? NaN, 2) },
    },
    model: {
      id: model.entry.manifest.id,
      version: model.entry.manifest.version,
      parameters: model.entry.manifest.parameters.reverse ?? null,
      source: note,
    },
    settings: {
      seconds: SECONDS,
      repeats: REPEATS,
      providers: PROVIDERS,
      max_delay_ms: Number(DELAY_MS),
      images_per_request: 1,
    },
    http: rows,
    batching_speedup: { c1: speedup(1), c8: speedup(8), c64: speedup(64) },
    direct,
    runs: http,
  };
  await mkdir(path.dirname(OUT), { recursive: true });
  await writeFile(OUT, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    [
      `model: ${report.model.id}@${report.model.version} (${report.model.parameters ?? "?"} params; ${note})`,
      `machine: ${report.machine.cpus} x ${report.machine.cpu}; ${THREADS} intra-op threads; provider ${PROVIDERS}; load average ${report.machine.load_average_1m.start} -> ${report.machine.load_average_1m.end}`,
      `medians of ${REPEATS} side-by-side runs of ${SECONDS} s; one image per request`,
      "",
      text,
      "",
      `batching speedup: c=1 ${report.batching_speedup.c1}x, c=8 ${report.batching_speedup.c8}x, c=64 ${report.batching_speedup.c64}x`,
      direct === undefined
        ? "model-only comparison skipped (BENCH_SKIP_DIRECT)"
        : `batch ${DIRECT_BATCH}, model only: onnxruntime-node ${direct.onnxruntime_node_images_per_s} img/s (${direct.onnxruntime_node_1_thread_images_per_s} on 1 thread), PyTorch eager ${direct.pytorch_eager_images_per_s} img/s, ratio ${direct.ratio}x (max abs diff ${direct.max_abs_diff.toExponential(2)})`,
      `written to ${path.relative(ROOT, OUT)}`,
      "",
    ].join("\n"),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
