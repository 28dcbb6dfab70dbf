// In-process measurements of `npm run bench`, one thread each, on one model's files:
// G (reverse.onnx) against F's exact inverse (decode_step.onnx, KV-cached, batched, guided)
// per batch size; G's MatMul FLOPs (from ORT's own profile, the cross-check of the graph
// count in graph_flops.py) and onnxruntime's MatMul GFLOP/s per shape (the sweep whose best is
// P3's peak); onnxruntime-web WASM against onnxruntime-node, with where the WASM time goes.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import type { ModelEntry } from "../../src/models/registry.js";
import { reverseInputs } from "../../src/models/reverse-inputs.js";
import { fillStandardNormal } from "../../src/noise/gaussian.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { runReverse } from "../../src/onnx/wasm-sampler.js";
import { encodePng } from "../../src/png/encode.js";
import { tensorImageToRaster } from "../../src/png/tensor.js";
import { exactInverse, type CacheShape, type Decoding } from "../lib/exact-decode.js";
import { createCpuSession, float32, int64, outputData } from "../lib/onnx-node.js";
import { median, round } from "./stats.js";

export interface KernelModel {
  dir: string;
  image: { channels: number; height: number; width: number };
  classes: number;
  nullClass: number;
  guidance: number;
  decoding: Decoding;
  cache: CacheShape;
}

export const THREADS = 1;

/** Median seconds of `run` over `repeats` timed runs after one warm-up. */
async function timed(run: () => Promise<unknown>, repeats: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

function noise(model: KernelModel, batch: number): Float32Array {
  const size = model.image.channels * model.image.height * model.image.width;
  const z = new Float32Array(batch * size);
  for (let i = 0; i < batch; i++) fillStandardNormal(z, 70_000 + i, i * size, size);
  return z;
}

const classesOf = (model: KernelModel, batch: number) => Array.from({ length: batch }, (_, i) => i % model.classes);

export interface SamplerPoint {
  batch: number;
  g_ms_per_image: number;
  exact_ms_per_image: number;
}

/** G and the exact decoder, guidance on for both, at each batch size (ms per image). */
export async function samplerCurve(model: KernelModel, batches: readonly number[]): Promise<SamplerPoint[]> {
  const reverse = await createCpuSession(path.join(model.dir, "reverse.onnx"), THREADS);
  const decode = await createCpuSession(path.join(model.dir, "decode_step.onnx"), THREADS);
  const { channels, height, width } = model.image;
  const points: SamplerPoint[] = [];
  for (const batch of batches) {
    const z = noise(model, batch);
    const classes = classesOf(model, batch);
    const g = await timed(
      () =>
        reverse.run({
          z: float32(z, [batch, channels, height, width]),
          class: int64(classes),
          guidance: float32(new Float32Array(batch).fill(model.guidance), [batch]),
        }),
      batch === 1 ? 40 : 8,
    );
    const exact = await timed(
      () =>
        exactInverse(decode, z, classes, model.image, model.decoding, model.cache, {
          w: model.guidance,
          nullClass: model.nullClass,
        }),
      batch === 1 ? 5 : 2,
    );
    points.push({ batch, g_ms_per_image: (g * 1000) / batch, exact_ms_per_image: (exact * 1000) / batch });
    process.stderr.write(
      `bench: batch ${batch}: G ${round((g * 1000) / batch, 3)} ms/img, exact ${round((exact * 1000) / batch, 2)} ms/img\n`,
    );
  }
  await Promise.all([reverse.release(), decode.release()]);
  return points;
}

interface ProfileEvent {
  cat?: string;
  args?: {
    op_name?: string;
    input_type_shape?: Record<string, number[]>[];
    output_type_shape?: Record<string, number[]>[];
  };
}

const shapeOf = (entry: Record<string, number[]> | undefined) => Object.values(entry ?? {})[0] ?? [];
const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** MatMul-family FLOPs per image of G at batch 1, from the shapes in ORT's own profile of one run. */
export async function matmulFlopsPerImage(model: KernelModel): Promise<{ flops: number; kernels: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-bench-profile-"));
  try {
    const session = await ort.InferenceSession.create(path.join(model.dir, "reverse.onnx"), {
      executionProviders: ["cpu"],
      intraOpNumThreads: THREADS,
      graphOptimizationLevel: "all",
      enableProfiling: true,
      profileFilePrefix: path.join(dir, "profile"),
    });
    const { channels, height, width } = model.image;
    await session.run({
      z: float32(noise(model, 1), [1, channels, height, width]),
      class: int64([0]),
      guidance: float32(Float32Array.of(model.guidance), [1]),
    });
    session.endProfiling();
    await session.release();
    const events: ProfileEvent[] = [];
    for (const f of (await readdir(dir)).filter((x) => x.endsWith(".json"))) {
      events.push(...(JSON.parse(await readFile(path.join(dir, f), "utf8")) as ProfileEvent[]));
    }
    let flops = 0;
    let kernels = 0;
    for (const e of events) {
      const op = e.args?.op_name ?? "";
      if (e.cat !== "Node" || !["MatMul", "FusedMatMul", "Gemm", "MatMulNBits"].includes(op)) continue;
      const a = shapeOf(e.args?.input_type_shape?.[0]);
      const out = shapeOf(e.args?.output_type_shape?.[0]);
      const k = a[a.length - 1] ?? 0;
      flops += 2 * prod(out) * k;
      kernels++;
    }
    return { flops, kernels };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** onnxruntime-node's MatMul GFLOP/s on [m, k] x [k, n] float32 (the model from matmul_model.py). */
export async function matmulGflops(file: string, m: number, k: number, n: number): Promise<number> {
  const session = await createCpuSession(file, THREADS);
  const fill = (size: number) => new Float32Array(size).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const feeds = { a: float32(fill(m * k), [m, k]), b: float32(fill(k * n), [k, n]) };
  // A peak is the best the kernel reaches, so the fastest of the runs (at least ~0.3 s of them
  // per shape): on a shared machine a median mixes in other processes' time slices.
  const repeats = Math.max(8, Math.ceil(0.3 / ((2 * m * k * n) / 50e9)));
  await session.run(feeds);
  let seconds = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
  }
  await session.release();
  return (2 * m * k * n) / seconds / 1e9;
}

/**
 * P4's yardstick: what the backend does per image with no service around it, in one loop:
 * a G run of `batch` images and a PNG of each, on `threads` onnxruntime threads, for at least
 * `seconds`. Images per second.
 */
export async function directServingLoop(
  model: KernelModel,
  batch: number,
  threads: number,
  seconds: number,
): Promise<number> {
  const reverse = await createCpuSession(path.join(model.dir, "reverse.onnx"), threads);
  const { channels, height, width } = model.image;
  const feeds = {
    z: float32(noise(model, batch), [batch, channels, height, width]),
    class: int64(classesOf(model, batch)),
    guidance: float32(new Float32Array(batch).fill(model.guidance), [batch]),
  };
  const once = async () => {
    const image = outputData(await reverse.run(feeds), "image");
    for (let i = 0; i < batch; i++) await encodePng(tensorImageToRaster(image, i, model.image));
  };
  await once();
  let images = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await once();
    images += batch;
  }
  const elapsed = (performance.now() - started) / 1000;
  await reverse.release();
  return images / elapsed;
}

/** Milliseconds per image of G at `batch` in onnxruntime-node (1 thread). */
export async function nativeMsPerImage(model: KernelModel, batch: number): Promise<number> {
  const reverse = await createCpuSession(path.join(model.dir, "reverse.onnx"), THREADS);
  const { channels, height, width } = model.image;
  const z = noise(model, batch);
  const s = await timed(
    () =>
      reverse.run({
        z: float32(z, [batch, channels, height, width]),
        class: int64(classesOf(model, batch)),
        guidance: float32(new Float32Array(batch).fill(model.guidance), [batch]),
      }),
    batch === 1 ? 60 : 8,
  );
  await reverse.release();
  return (s * 1000) / batch;
}

export interface WasmProfile {
  /** session.run alone, ms per image, batch 1 and 64. */
  run_ms_per_image_batch1: number;
  run_ms_per_image_batch64: number;
  /** Feeds built from seeds (noise, tensors), ms per image at batch 1. */
  inputs_ms_batch1: number;
  /** PNG encoding (CompressionStream) of one image. */
  png_ms: number;
}

/** onnxruntime-web on WASM (the Worker's runtime, here in Node), one thread. */
export async function wasmProfile(entry: ModelEntry, model: KernelModel): Promise<WasmProfile> {
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  const shape = model.image;
  const runAt = async (batch: number) => {
    const inputs = reverseInputs(
      shape,
      classesOf(model, batch).map((_, i) => 70_000 + i),
      classesOf(model, batch),
      model.guidance,
    );
    return ((await timed(() => runReverse(runtime, entry, inputs), batch === 1 ? 60 : 6)) * 1000) / batch;
  };
  const run1 = await runAt(1);
  const run64 = await runAt(64);
  const inputs = await timed(() => Promise.resolve(reverseInputs(shape, [1], [0], model.guidance)), 200);
  const image = await runReverse(runtime, entry, reverseInputs(shape, [1], [0], model.guidance));
  const png = await timed(() => encodePng(tensorImageToRaster(image, 0, shape)), 100);
  return {
    run_ms_per_image_batch1: run1,
    run_ms_per_image_batch64: run64,
    inputs_ms_batch1: inputs * 1000,
    png_ms: png * 1000,
  };
}
