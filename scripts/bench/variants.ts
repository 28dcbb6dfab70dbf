// reverse.onnx against its quantized builds (models/train/quantize.py), side by side in one
// process: how far their images are from float32's on the 0..255 scale, and their time per
// image on onnxruntime-node (CPU, one thread) and onnxruntime-web (WASM, one thread), the
// runs of every file interleaved so that machine load falls on all of them alike.

import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { reverseInputs, type ImageShape, type ReverseInputs } from "../../src/models/reverse-inputs.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { toByte } from "../../src/png/tensor.js";
import { createCpuSession, outputData } from "../lib/onnx-node.js";
import { median } from "./stats.js";

export interface VariantFile {
  /** "fp32" for reverse.onnx itself, else the build's kind ("int8", "fp16"). */
  name: string;
  file: string;
}

export interface VariantShape {
  image: ImageShape;
  classes: number;
  nullClass: number;
  guidance: number;
}

/** Inputs of `batch` images: seeds from `seed0`, classes cycling over every class and the null class. */
export function variantInputs(shape: VariantShape, batch: number, seed0 = 50_000, guidance?: number): ReverseInputs {
  const seeds = Array.from({ length: batch }, (_, i) => seed0 + i);
  return reverseInputs(
    shape.image,
    seeds,
    seeds.map((_, i) => i % (shape.classes + 1)),
    guidance ?? shape.guidance,
  );
}

function nodeFeeds(inputs: ReverseInputs): Record<string, ort.Tensor> {
  const n = inputs.dims[0];
  return {
    z: new ort.Tensor("float32", inputs.z, inputs.dims),
    class: new ort.Tensor("int64", inputs.classes, [n]),
    guidance: new ort.Tensor("float32", inputs.guidance, [n]),
  };
}

/** G's images for these inputs from one onnxruntime-node session. */
export async function runNode(session: ort.InferenceSession, inputs: ReverseInputs): Promise<Float32Array> {
  return outputData(await session.run(nodeFeeds(inputs)), "image");
}

export interface Closeness {
  /** Largest |difference| of the float outputs (pixels in [-1, 1]). */
  max_abs: number;
  /** Largest difference of the served 8-bit pixels (0..255), and their mean. */
  max_pixel_0_255: number;
  mean_pixel_0_255: number;
  /** Share of 8-bit pixels that differ at all. */
  pixels_differing: number;
}

export function closeness(reference: Float32Array, other: Float32Array): Closeness {
  if (reference.length !== other.length) throw new Error(`length ${reference.length} vs ${other.length}`);
  let maxAbs = 0;
  let maxPixel = 0;
  let sum = 0;
  let differing = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i] ?? 0;
    const b = other[i] ?? 0;
    maxAbs = Math.max(maxAbs, Math.abs(a - b));
    const d = Math.abs(toByte(a) - toByte(b));
    maxPixel = Math.max(maxPixel, d);
    sum += d;
    if (d > 0) differing++;
  }
  return {
    max_abs: maxAbs,
    max_pixel_0_255: maxPixel,
    mean_pixel_0_255: sum / reference.length,
    pixels_differing: differing / reference.length,
  };
}

export interface VariantTiming {
  name: string;
  node_ms_per_image: Record<string, number>;
  wasm_ms_per_image: Record<string, number>;
}

/**
 * Median ms per image of each file at each batch size, on onnxruntime-node (1 thread, CPU
 * provider, every graph optimisation) and, with `wasm`, onnxruntime-web WASM (1 thread).
 * Within one batch size and runtime the files take turns in `rounds` blocks of consecutive
 * runs (the first of each block untimed), so load drift falls on every file alike while each
 * timed run finds its own weights in cache: taking turns run by run let one file's run evict
 * another's weights, which at batch 1 slowed the 4.4 MiB float32 file by up to 2x against
 * the 1.6 MiB int8 one, a cache effect rather than the files' own speed.
 */
export async function variantTimings(
  files: readonly VariantFile[],
  shape: VariantShape,
  batches: readonly number[],
  options: { iterations?: (batch: number) => number; wasm?: boolean; rounds?: number } = {},
): Promise<VariantTiming[]> {
  const iterations = options.iterations ?? ((b: number) => (b === 1 ? 60 : 8));
  const node = await Promise.all(files.map((f) => createCpuSession(f.file, 1)));
  const web = options.wasm ? new OrtRuntime({ wasm: nodeWasmLoading() }) : undefined;
  const webSessions =
    web === undefined
      ? []
      : await Promise.all(
          files.map(async (f) => {
            const bytes = new Uint8Array(await readFile(f.file));
            return web.session(`variant/${f.name}`, () => Promise.resolve(bytes));
          }),
        );
  const out: VariantTiming[] = files.map((f) => ({ name: f.name, node_ms_per_image: {}, wasm_ms_per_image: {} }));
  for (const batch of batches) {
    const inputs = variantInputs(shape, batch);
    const runs: { target: Record<string, number>; wasm: boolean; run: () => Promise<unknown> }[] = [];
    files.forEach((_, k) => {
      const s = node[k];
      const timing = out[k];
      if (s === undefined || timing === undefined) return;
      runs.push({ target: timing.node_ms_per_image, wasm: false, run: () => s.run(nodeFeeds(inputs)) });
      const w = webSessions[k];
      if (web !== undefined && w !== undefined) {
        const n = inputs.dims[0];
        runs.push({
          target: timing.wasm_ms_per_image,
          wasm: true,
          run: () =>
            web.run(w, {
              z: web.tensor("float32", inputs.z, inputs.dims),
              class: web.tensor("int64", inputs.classes, [n]),
              guidance: web.tensor("float32", inputs.guidance, [n]),
            }),
        });
      }
    });
    const times = runs.map(() => [] as number[]);
    const rounds = options.rounds ?? 4;
    const perRound = Math.max(1, Math.round(iterations(batch) / rounds));
    // Node's runs first, then WASM's: the runtimes never alternate inside a block either.
    const order = [...runs.keys()].sort((a, b) => (runs[a]?.wasm ? 1 : 0) - (runs[b]?.wasm ? 1 : 0));
    for (const wasmPhase of [false, true]) {
      for (let round = 0; round < rounds; round++) {
        for (const k of order) {
          const r = runs[k];
          const t = times[k];
          if (r === undefined || t === undefined || r.wasm !== wasmPhase) continue;
          await r.run(); // untimed: brings this file's weights back into cache
          for (let i = 0; i < perRound; i++) {
            const t0 = performance.now();
            await r.run();
            t.push((performance.now() - t0) / batch);
          }
        }
      }
    }
    runs.forEach((r, k) => (r.target[String(batch)] = median(times[k] ?? [])));
  }
  await Promise.all(node.map((s) => s.release()));
  return out;
}

/** n samples as the service's 8-bit pixels: sample i has seed i and class i mod classes (score_samples.py's layout). */
export async function samplesU8(
  session: ort.InferenceSession,
  shape: VariantShape,
  n: number,
  guidance: number,
  batch = 250,
): Promise<Uint8Array> {
  const { channels, height, width } = shape.image;
  const pixels = channels * height * width;
  const out = new Uint8Array(n * pixels);
  for (let a = 0; a < n; a += batch) {
    const m = Math.min(batch, n - a);
    const seeds = Array.from({ length: m }, (_, i) => a + i);
    const inputs = reverseInputs(
      shape.image,
      seeds,
      seeds.map((s) => s % shape.classes),
      guidance,
    );
    const images = await runNode(session, inputs);
    for (let j = 0; j < images.length; j++) out[a * pixels + j] = toByte(images[j] ?? 0);
  }
  return out;
}

/** Issue 12's bar for shipping a quantized reverse.onnx as a model option. */
export const SHIP_RULE =
  "ship where at least 1.5x faster than float32 at batch 1 and at batch 64 on a runtime the service runs G on (onnxruntime-node CPU, or onnxruntime-web WASM in the Worker), with FLD at most 10% above float32's";

export interface VariantFigures {
  speedup_node_batch1: number;
  speedup_node_batch64: number;
  speedup_wasm_batch1: number;
  speedup_wasm_batch64: number;
  fld_ratio: number;
}

/** Which runtimes (if any) a build meets SHIP_RULE on. NaN (not measured) never passes. */
export function shipVerdict(v: VariantFigures): { ship_on: string[]; ship: boolean; why: string } {
  const fldOk = v.fld_ratio <= 1.1;
  const on = [
    ["onnxruntime-node", v.speedup_node_batch1, v.speedup_node_batch64],
    ["onnxruntime-web", v.speedup_wasm_batch1, v.speedup_wasm_batch64],
  ] as const;
  const fast = on.filter(([, b1, b64]) => b1 >= 1.5 && b64 >= 1.5).map(([name]) => name);
  const ship = fldOk && fast.length > 0;
  const speeds = on.map(([name, b1, b64]) => `${name} ${b1}x / ${b64}x`).join(", ");
  const why = ship
    ? `meets the bar on ${fast.join(" and ")} (${speeds}; FLD x${v.fld_ratio})`
    : [
        fast.length === 0 ? `under 1.5x faster (batch 1 / 64: ${speeds})` : undefined,
        fldOk ? undefined : `FLD x${v.fld_ratio} of float32's (over 1.10)`,
      ]
        .filter((x) => x !== undefined)
        .join("; ");
  return { ship_on: ship ? fast : [], ship, why };
}
