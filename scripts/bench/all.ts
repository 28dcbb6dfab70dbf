// `npm run bench`: every speed figure of issue 12 measured in one run, side by side, on the
// trained model in models/ (whatever version is there): writes artifacts/bench.json (the
// ratios p1..p7, and q_int8_* for the quantized reverse.onnx, beside their raw figures),
// artifacts/bench.md (the tables), artifacts/bench-chart.svg (time per image against batch
// size, G and the exact decoder) and artifacts/quality-chart.svg (each sampler's quality
// against its time per image, p7), and copies the tables and charts to docs/bench/ for the README.
//
// Environment: BENCH_MODEL (default fmnist-biflow-s), BENCH_SECONDS (cached-hit and backend
// load seconds per round, default 3), BENCH_REPEATS (rounds, default 2).

import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as ort from "onnxruntime-node";
import { scanModelsDir } from "../../engine/models-dir.js";
import { silentLogger } from "../../src/logger.js";
import type { ModelManifest } from "../../src/models/manifest.js";
import { ROOT } from "../../tests/helpers/fixtures.js";
import type { CacheShape, Decoding } from "../lib/exact-decode.js";
import { cachedHitLoad, HIT_CONNECTIONS, MIN_HIT_ROUNDS } from "./cached-hit-load.js";
import { chartSvg } from "./chart.js";
import { directBench, imagesPerSecond } from "./direct.js";
import {
  matmulFlopsPerImage,
  directServingLoop,
  matmulGflops,
  nativeMsPerImage,
  samplerCurve,
  THREADS,
  wasmProfile,
  type KernelModel,
} from "./kernels.js";
import type { QuantizedFigures, QuantizedRow } from "./quantized.js";
import { samplerChart, samplerMarkdown, samplerRows } from "./samplers.js";
import { coldStart } from "./cold-start.js";
import { round } from "./stats.js";

const run = promisify(execFile);
const env = process.env;
const PYTHON = "/usr/bin/python3";
const MODEL = env.BENCH_MODEL ?? "fmnist-biflow-s";
const SECONDS = Number(env.BENCH_SECONDS ?? "3");
const REPEATS = Number(env.BENCH_REPEATS ?? "2");
const ARTIFACTS = path.join(ROOT, "artifacts");
const BATCHES = [1, 4, 16, 64] as const;
/**
 * P3's peak: the best of these MatMul shapes at G's thread count. G's own heaviest products at
 * batch 64 (3,136 tokens x width 96 / MLP 384 / QKV 288) and squares from cache-sized to large.
 */
const PEAK_SHAPES: readonly (readonly [m: number, k: number, n: number])[] = [
  [3136, 96, 384],
  [3136, 384, 96],
  [3136, 96, 288],
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [2048, 2048, 2048],
];

interface Manifest {
  id: string;
  version: string;
  image: KernelModel["image"];
  classes: string[];
  null_class: number;
  guidance: { default: number };
  files: { decode_step?: { decoding: Decoding; inputs: { name: string; shape: (number | string)[] }[] } };
}

async function kernelModel(dir: string): Promise<{ manifest: Manifest; model: KernelModel }> {
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  const step = manifest.files.decode_step;
  const k = step?.inputs.find((i) => i.name === "k_cache");
  if (step === undefined || k === undefined)
    throw new Error(`${manifest.id} has no decode_step.onnx: no exact decoder to compare`);
  const [layers, , heads, , headDim] = k.shape.map(Number);
  const cache: CacheShape = { layers: layers ?? 0, heads: heads ?? 0, headDim: headDim ?? 0 };
  return {
    manifest,
    model: {
      dir,
      image: manifest.image,
      classes: manifest.classes.length,
      nullClass: manifest.null_class,
      guidance: manifest.guidance.default,
      decoding: step.decoding,
      cache,
    },
  };
}

/** PyTorch eager on the same weights (scripts/bench/torch_eager.py), one thread, vs onnxruntime-node, one thread. */
async function ortVsTorch(reverse: Uint8Array, manifest: ModelManifest, batch: number) {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-bench-torch-"));
  try {
    await writeFile(path.join(dir, "reverse.onnx"), reverse);
    const ortBench = await directBench({ reverse, manifest }, batch, ["cpu"], THREADS, dir);
    const ortIps = imagesPerSecond(batch, await ortBench.measure(batch === 1 ? 60 : 8));
    const { channels, height, width } = manifest.image;
    const { stdout } = await run(
      PYTHON,
      [
        path.join(ROOT, "scripts/bench/torch_eager.py"),
        ...["--onnx", path.join(dir, "reverse.onnx"), "--inputs", dir, "--batch", String(batch)],
        ...["--iters", batch === 1 ? "30" : "5", "--threads", "1", "--shape", `${channels},${height},${width}`],
      ],
      {
        env: {
          ...env,
          OPENBLAS_NUM_THREADS: "1",
          MALLOC_MMAP_THRESHOLD_: "33554432",
          MALLOC_TRIM_THRESHOLD_: "1073741824",
        },
        maxBuffer: 1 << 20,
      },
    );
    const torch = JSON.parse(stdout) as { images_per_s: number; max_abs_diff_vs_onnxruntime: number };
    process.stderr.write(
      `bench: batch ${batch}: onnxruntime-node ${round(ortIps)} img/s, PyTorch eager ${round(torch.images_per_s)} img/s\n`,
    );
    return {
      batch,
      onnxruntime_node_images_per_s: round(ortIps),
      pytorch_eager_images_per_s: round(torch.images_per_s),
      max_abs_diff: torch.max_abs_diff_vs_onnxruntime,
      ratio: round(ortIps / torch.images_per_s, 2),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The quantized reverse.onnx figures (scripts/bench/quantized.ts) in a fresh process. */
async function quantizedInChild(modelDir: string, manifest: Manifest): Promise<QuantizedFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-bench-quantized-"));
  try {
    const out = path.join(dir, "quantized.json");
    const child = run(
      process.execPath,
      ["--import", "tsx", "scripts/bench/quantized.ts", modelDir, manifest.id, manifest.version, out],
      { cwd: ROOT, env, maxBuffer: 16 << 20 },
    );
    child.child.stderr?.pipe(process.stderr);
    await child;
    return JSON.parse(await readFile(out, "utf8")) as QuantizedFigures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The backend bench (scripts/bench/backend.ts) in its own process: batching on vs off. */
async function backendBatching(modelDir: string) {
  const out = path.join(await mkdtemp(path.join(tmpdir(), "biflow-bench-backend-")), "backend.json");
  const modelsDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-models-"));
  try {
    // A folder holding just this model, as backend.ts expects.
    await run("cp", ["-r", modelDir, path.join(modelsDir, MODEL)]);
    const child = run(process.execPath, ["--import", "tsx", "scripts/bench/backend.ts"], {
      cwd: ROOT,
      env: {
        ...env,
        BENCH_OUT: out,
        BENCH_MODELS_DIR: modelsDir,
        BENCH_SECONDS: String(SECONDS),
        BENCH_REPEATS: String(REPEATS),
        BENCH_CONCURRENCY: "64",
        BENCH_SKIP_DIRECT: "1",
      },
      maxBuffer: 16 << 20,
    });
    child.child.stderr?.pipe(process.stderr);
    await child;
    return JSON.parse(await readFile(out, "utf8")) as {
      http: { concurrency: number; batching: string; images_per_s: number; p99_ms: number; mean_batch: number }[];
      batching_speedup: { c64: number };
    };
  } finally {
    await rm(path.dirname(out), { recursive: true, force: true });
    await rm(modelsDir, { recursive: true, force: true });
  }
}

const bestShape = (sweep: readonly { m: number; k: number; n: number; gflops: number }[]) => {
  const best = sweep.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return `${best.m}x${best.k}x${best.n}`;
};

/** P3 above 1 means the count or the peak is wrong, not that G beat the hardware. */
const P3_MAX = 1;

function markdown(report: Report): string {
  const r = report.ratios;
  const c = report.figures;
  const q = <K extends keyof QuantizedRow>(i: number, k: K): QuantizedRow[K] | undefined => c.quantized.rows[i]?.[k];
  const rows: [string, string, string, string][] = [
    [
      "p1_speedup_batch1",
      "G vs exact decoder, batch 1 (onnxruntime-node CPU, 1 thread, guidance on)",
      String(r.p1_speedup_batch1),
      `${c.p1.batch1.g_ms} vs ${c.p1.batch1.exact_ms} ms/image`,
    ],
    [
      "p1_speedup_batch64",
      "G vs exact decoder, batch 64",
      String(r.p1_speedup_batch64),
      `${c.p1.batch64.g_ms} vs ${c.p1.batch64.exact_ms} ms/image`,
    ],
    [
      "p2_ort_vs_torch_batch1",
      "onnxruntime-node vs PyTorch eager, batch 1, 1 thread each",
      String(r.p2_ort_vs_torch_batch1),
      `${c.p2.batch1.onnxruntime_node_images_per_s} vs ${c.p2.batch1.pytorch_eager_images_per_s} images/s`,
    ],
    [
      "p2_ort_vs_torch_batch64",
      "onnxruntime-node vs PyTorch eager, batch 64",
      String(r.p2_ort_vs_torch_batch64),
      `${c.p2.batch64.onnxruntime_node_images_per_s} vs ${c.p2.batch64.pytorch_eager_images_per_s} images/s`,
    ],
    [
      "p3_matmul_peak_fraction",
      "G's GFLOP/s at batch 64 (FLOPs from the graph) over the best of a MatMul sweep, 1 thread",
      String(r.p3_matmul_peak_fraction),
      `${c.p3.g_gflops} of ${c.p3.peak_gflops} GFLOP/s (best ${bestShape(c.p3.sweep)}); profile count / graph count ${c.p3.profile_over_graph}`,
    ],
    [
      "p4_serving_efficiency_c64",
      "backend images/s at 64 clients (batching on) over G runs + PNGs in a loop at its mean batch and threads",
      String(r.p4_serving_efficiency_c64),
      `${c.p4.on_images_per_s} vs ${c.p4.direct_images_per_s} images/s (batch ${c.p4.direct_batch}, ${c.p4.direct_threads} threads)`,
    ],
    [
      "p4_batching_gain_c64",
      "backend images/s, dynamic batching on vs off, 64 clients",
      String(r.p4_batching_gain_c64),
      `${c.p4.on_images_per_s} vs ${c.p4.off_images_per_s} images/s`,
    ],
    [
      "p5_cached_vs_bare_hono",
      `router cached hit (\`npm start\` defaults) vs bare Hono, req/s (${c.p5.client}, ${c.p5.connections} connections, median of ${c.p5.rounds})`,
      String(r.p5_cached_vs_bare_hono),
      `${c.p5.defaults.router.requests_per_s} vs ${c.p5.defaults.bare_hono.requests_per_s} req/s; p99 ${c.p5.defaults.router.p99_ms} vs ${c.p5.defaults.bare_hono.p99_ms} ms`,
    ],
    [
      "p5_public_cached_vs_bare_hono",
      `the same on the public-deployment settings (${c.p5.public_deployment.settings.join(", ")}; signed URL)`,
      String(r.p5_public_cached_vs_bare_hono),
      `${c.p5.public_deployment.router.requests_per_s} vs ${c.p5.public_deployment.bare_hono.requests_per_s} req/s; p99 ${c.p5.public_deployment.router.p99_ms} vs ${c.p5.public_deployment.bare_hono.p99_ms} ms`,
    ],
    [
      "cold_start_first_sample_ms",
      `\`npm start\` to the first sample served (uncached, ms; median of ${c.cold_start.rounds} starts)`,
      String(r.cold_start_first_sample_ms),
      `listening after ${c.cold_start.to_listening_ms} ms; the first request itself ${c.cold_start.first_request_ms} ms`,
    ],
    [
      "p6_wasm_vs_native_batch1",
      "onnxruntime-web WASM vs onnxruntime-node, batch 1, 1 thread (time ratio)",
      String(r.p6_wasm_vs_native_batch1),
      `${c.p6.wasm_ms} vs ${c.p6.native_ms} ms/image; at batch 64 ${c.p6.wasm_ms_batch64} vs ${c.p6.native_ms_batch64}`,
    ],
    [
      "q_int8_speedup_batch1",
      "int8 reverse.onnx vs fp32, batch 1, onnxruntime-node 1 thread (time ratio; WASM in the figures)",
      String(r.q_int8_speedup_batch1),
      `${q(1, "node_ms_batch1")} vs ${q(0, "node_ms_batch1")} ms/image; WASM ${q(1, "wasm_ms_batch1")} vs ${q(0, "wasm_ms_batch1")} (${r.q_int8_wasm_speedup_batch1}x)`,
    ],
    [
      "q_int8_speedup_batch64",
      "int8 reverse.onnx vs fp32, batch 64",
      String(r.q_int8_speedup_batch64),
      `${q(1, "node_ms_batch64")} vs ${q(0, "node_ms_batch64")} ms/image; WASM ${q(1, "wasm_ms_batch64")} vs ${q(0, "wasm_ms_batch64")} (${r.q_int8_wasm_speedup_batch64}x)`,
    ],
    [
      "q_int8_fld_ratio",
      "int8 reverse.onnx's FLD over fp32's (from the release record, not this run: see below)",
      String(r.q_int8_fld_ratio ?? "n/a"),
      `${q(1, "fld") ?? "n/a"} vs ${q(0, "fld") ?? "n/a"}`,
    ],
    [
      "p7_jacobi_default_vs_exact_batch1",
      "Jacobi default schedule vs exact decoder, batch 1 (onnxruntime-node CPU, 1 thread, guidance on)",
      String(r.p7_jacobi_default_vs_exact_batch1),
      `${c.p7.rows.find((row) => row.sampler === "jacobi:default")?.ms_per_image} vs ${c.p7.rows.find((row) => row.sampler === "exact")?.ms_per_image} ms/image`,
    ],
  ];
  const qz = c.quantized;
  const mib = (b: number) => `${round(b / 2 ** 20, 2)} MiB`;
  return [
    `Measured ${report.date} on ${report.machine.cpus} x ${report.machine.cpu} (load average ${report.machine.load_average_1m.start} -> ${report.machine.load_average_1m.end}), model ${report.model.id}@${report.model.version}.`,
    "",
    "| key | what | ratio | figures |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| \`${row[0]}\` | ${row[1]} | ${row[2]} | ${row[3]} |`),
    "",
    "| batch | G ms/image | exact decoder ms/image | speedup |",
    "| --- | --- | --- | --- |",
    ...report.figures.curve.map(
      (p) =>
        `| ${p.batch} | ${round(p.g_ms_per_image, 3)} | ${round(p.exact_ms_per_image, 2)} | ${round(p.exact_ms_per_image / p.g_ms_per_image, 1)}x |`,
    ),
    "",
    "Quantized `reverse.onnx` (`models/train/quantize.py`: int8 = dynamic int8 MatMuls, 7-bit weights per column; fp16 = fp16 weights cast to float32 at load), ms/image, 1 thread each, the three files taking turns in blocks of runs in a process of their own:",
    "",
    "| file | size | node batch 1 | node batch 64 | WASM batch 1 | WASM batch 64 | FLD | class accuracy |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...qz.rows.map(
      (row) =>
        `| ${row.name} | ${mib(row.bytes)} | ${row.node_ms_batch1} | ${row.node_ms_batch64} | ${row.wasm_ms_batch1} | ${row.wasm_ms_batch64} | ${row.fld ?? "n/a"} | ${row.class_accuracy ?? "n/a"} |`,
    ),
    "",
    `FLD and class accuracy: ${qz.fld_source}. int8 is **not shipped** as a model option (the bar: at least 1.5x faster than fp32 at batch 1 and at batch 64 on one runtime, FLD within 10%; docs/bench/quantized.md). This run: ${qz.why}.${qz.record_why === null ? "" : ` At release (the record's own timing): ${qz.record_why}.`}`,
    "",
    ...samplerMarkdown(report.figures.p7),
    "",
  ].join("\n");
}

type Report = Awaited<ReturnType<typeof measure>>;

async function measure() {
  const loadAtStart = loadavg()[0] ?? NaN;
  const modelDir = path.join(ROOT, "models", MODEL);
  const { manifest, model } = await kernelModel(modelDir);
  const { registry } = await scanModelsDir(path.join(ROOT, "models"), silentLogger);
  const entry = registry.get(MODEL);
  if (entry === undefined) throw new Error(`models/${MODEL} is not a servable model`);
  const reverse = await entry.loadFile("reverse");

  const curve = await samplerCurve(model, BATCHES);
  const p7 = await samplerRows(modelDir);
  const p7ms = (name: string) => p7.rows.find((row) => row.sampler === name)?.ms_per_image ?? NaN;
  const at = (b: number) =>
    curve.find((p) => p.batch === b) ?? { batch: b, g_ms_per_image: NaN, exact_ms_per_image: NaN };

  const p2 = {
    batch1: await ortVsTorch(reverse, entry.manifest, 1),
    batch64: await ortVsTorch(reverse, entry.manifest, 64),
  };

  const peakDir = await mkdtemp(path.join(tmpdir(), "biflow-bench-peak-"));
  const sweep: { m: number; k: number; n: number; gflops: number }[] = [];
  for (const [m, k, n] of PEAK_SHAPES) {
    const file = path.join(peakDir, `matmul-${m}x${k}x${n}.onnx`);
    const shape = ["--m", String(m), "--k", String(k), "--n", String(n)];
    await run(PYTHON, [path.join(ROOT, "scripts/bench/matmul_model.py"), "--out", file, ...shape]);
    sweep.push({ m, k, n, gflops: round(await matmulGflops(file, m, k, n), 2) });
  }
  await rm(peakDir, { recursive: true, force: true });
  const peak = Math.max(...sweep.map((s) => s.gflops));
  // The numerator's FLOPs from the graph (numpy, not onnxruntime); the profile's count checks it.
  const graph = JSON.parse(
    (
      await run(PYTHON, [
        path.join(ROOT, "scripts/bench/graph_flops.py"),
        path.join(modelDir, "reverse.onnx"),
        "--batch",
        "64",
      ])
    ).stdout,
  ) as { flops_per_image: number; kernels: number; heaviest: unknown[] };
  const profiled = await matmulFlopsPerImage(model);
  const gGflops = (graph.flops_per_image * (1000 / at(64).g_ms_per_image)) / 1e9;

  const native1 = await nativeMsPerImage(model, 1);
  const native64 = await nativeMsPerImage(model, 64);
  const wasm = await wasmProfile(entry, model);
  const quantized = await quantizedInChild(modelDir, manifest);

  const backend = await backendBatching(modelDir);
  const on = backend.http.find((r) => r.concurrency === 64 && r.batching === "on");
  const off = backend.http.find((r) => r.concurrency === 64 && r.batching === "off");
  // The same work without the service: G at the backend's mean batch, PNGs, the backend's threads.
  const servedBatch = Math.max(1, Math.round(on?.mean_batch ?? 1));
  const direct = await directServingLoop(model, servedBatch, availableParallelism(), SECONDS * REPEATS);

  const hit = await cachedHitLoad(MODEL, HIT_CONNECTIONS, SECONDS, Math.max(MIN_HIT_ROUNDS, REPEATS));
  const cold = await coldStart(MODEL, Math.max(3, REPEATS));

  const figures = {
    curve,
    p1: {
      batch1: { g_ms: round(at(1).g_ms_per_image, 3), exact_ms: round(at(1).exact_ms_per_image, 2) },
      batch64: { g_ms: round(at(64).g_ms_per_image, 3), exact_ms: round(at(64).exact_ms_per_image, 2) },
      exact_decoder:
        "src/flow/exact.ts (the service's sampler=exact) via scripts/lib/exact-decode.ts: decode_step.onnx token by token with a KV cache, the batch and its unconditional twin rows in one run per step",
    },
    p2: {
      ...p2,
      pytorch: "scripts/bench/torch_eager.py: reverse.onnx's own weights, node by node in PyTorch eager ops",
    },
    p3: {
      graph_flops_per_image: graph.flops_per_image,
      graph_kernels: graph.kernels,
      graph_heaviest: graph.heaviest,
      profile_flops_per_image: profiled.flops,
      profile_kernels: profiled.kernels,
      profile_over_graph: round(profiled.flops / graph.flops_per_image, 3),
      g_gflops: round(gGflops, 2),
      peak_gflops: round(peak, 2),
      sweep,
    },
    p4: {
      on_images_per_s: on?.images_per_s ?? NaN,
      off_images_per_s: off?.images_per_s ?? NaN,
      on_p99_ms: on?.p99_ms ?? NaN,
      off_p99_ms: off?.p99_ms ?? NaN,
      mean_batch: on?.mean_batch ?? NaN,
      direct_batch: servedBatch,
      direct_threads: availableParallelism(),
      direct_images_per_s: round(direct, 1),
    },
    p5: hit,
    cold_start: cold,
    p6: {
      wasm_ms: round(wasm.run_ms_per_image_batch1, 3),
      native_ms: round(native1, 3),
      wasm_ms_batch64: round(wasm.run_ms_per_image_batch64, 3),
      native_ms_batch64: round(native64, 3),
      wasm_inputs_ms: round(wasm.inputs_ms_batch1, 3),
      wasm_png_ms: round(wasm.png_ms, 3),
    },
    quantized,
    p7,
  };
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      cores_available: availableParallelism(),
      node: process.version,
      onnxruntime_node: ort.env.versions.common,
      threads_per_runtime: THREADS,
      load_average_1m: { start: round(loadAtStart, 2), end: round(loadavg()[0] ?? NaN, 2) },
    },
    model: { id: manifest.id, version: manifest.version },
    ratios: {
      p1_speedup_batch1: round(at(1).exact_ms_per_image / at(1).g_ms_per_image, 1),
      p1_speedup_batch64: round(at(64).exact_ms_per_image / at(64).g_ms_per_image, 1),
      p2_ort_vs_torch_batch1: p2.batch1.ratio,
      p2_ort_vs_torch_batch64: p2.batch64.ratio,
      p3_matmul_peak_fraction: round(gGflops / peak, 3),
      p4_serving_efficiency_c64: round((on?.images_per_s ?? NaN) / direct, 3),
      p4_batching_gain_c64: backend.batching_speedup.c64,
      p5_cached_vs_bare_hono: hit.defaults.ratio,
      p5_public_cached_vs_bare_hono: hit.public_deployment.ratio,
      cold_start_first_sample_ms: cold.to_first_sample_ms,
      p6_wasm_vs_native_batch1: round(wasm.run_ms_per_image_batch1 / native1, 2),
      q_int8_speedup_batch1: quantized.int8.speedup_batch1,
      q_int8_speedup_batch64: quantized.int8.speedup_batch64,
      q_int8_wasm_speedup_batch1: quantized.int8.wasm_speedup_batch1,
      q_int8_wasm_speedup_batch64: quantized.int8.wasm_speedup_batch64,
      q_int8_fld_ratio: quantized.int8.fld_ratio,
      p7_jacobi_default_vs_exact_batch1: round(p7ms("exact") / p7ms("jacobi:default"), 1),
    },
    figures,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const report = await measure();
  const flat = { ...report.ratios, ...report };
  await mkdir(ARTIFACTS, { recursive: true });
  const md = markdown(report);
  const svg = chartSvg(report.figures.curve, `${report.model.id}@${report.model.version}`);
  await writeFile(path.join(ARTIFACTS, "bench.json"), `${JSON.stringify(flat, null, 2)}\n`);
  await writeFile(path.join(ARTIFACTS, "bench.md"), md);
  await writeFile(path.join(ARTIFACTS, "bench-chart.svg"), svg);
  const quality = samplerChart(report.figures.p7, `${report.model.id}@${report.model.version}`);
  const charts = ["bench-chart.svg", ...(quality === undefined ? [] : ["quality-chart.svg"])];
  if (quality !== undefined) await writeFile(path.join(ARTIFACTS, "quality-chart.svg"), quality);
  else process.stderr.write("bench: no quality figures for every sampler: no quality chart\n");
  const docs = path.join(ROOT, "docs", "bench");
  await mkdir(docs, { recursive: true });
  for (const file of ["bench.md", ...charts]) await copyFile(path.join(ARTIFACTS, file), path.join(docs, file));
  process.stdout.write(
    `${md}\nwritten to artifacts/bench.{json,md} and artifacts/${charts.join(", artifacts/")} (copied to docs/bench/) in ${round((performance.now() - started) / 1000)} s\n`,
  );
  if (!(report.ratios.p3_matmul_peak_fraction <= P3_MAX)) {
    process.stderr.write(
      `bench failed: p3_matmul_peak_fraction ${report.ratios.p3_matmul_peak_fraction} is above ${P3_MAX}: G cannot run faster than the best MatMul, so a FLOP count or the peak is wrong\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
