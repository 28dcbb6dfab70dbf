// The samplers of one model folder on onnxruntime-node, by name, for the model tooling and
// the benchmark (sampler-report.ts, model-report.ts, npm run bench): G's one pass
// (reverse.onnx), F's exact inverse (decode_step.onnx) and Jacobi decoding (jacobi_step.onnx),
// through the service's own algorithms in src/flow, at the model's default guidance.
//
// Names: `g`, `exact`, `jacobi:K` (K updates of every block), `jacobi:k0,k1,...` (one per
// block), `jacobi:default` (the manifest's jacobi.default_iterations); a Jacobi name may end
// in `@tolerance`.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type * as ort from "onnxruntime-node";
import { z } from "zod";
import { ortStepRunner } from "../../engine/onnx/step-runner.js";
import { exactInverse } from "../../src/flow/exact.js";
import { jacobiInverse, perBlock } from "../../src/flow/jacobi.js";
import { exactDecoding, jacobiDecoding } from "../../src/flow/step.js";
import { parseManifest, type ModelManifest } from "../../src/models/manifest.js";
import { fillStandardNormal } from "../../src/noise/gaussian.js";
import { createCpuSession, float32, int64, outputData } from "./onnx-node.js";

/** The rows of the quality-per-cost table (issue 16), in the order they are shown. */
export const TABLE_SAMPLERS = ["g", "jacobi:1", "jacobi:2", "jacobi:4", "jacobi:8", "jacobi:default", "exact"] as const;

export interface SampleOutput {
  /** The (noisy, for F's inverses) images [N,C,H,W]. */
  images: Float32Array;
  /** Jacobi: per image, the block updates it ran (all blocks together). */
  blockUpdates?: number[];
}

export type SampleRun = (z: Float32Array, classes: readonly number[]) => Promise<SampleOutput>;

export interface NodeSamplers {
  manifest: ModelManifest;
  /** The guidance every sampler runs at: the model's default. */
  guidance: number;
  /** manifest.json's jacobi.default_iterations, when the model has one. */
  defaultSchedule: number[] | undefined;
  /** Throws when the model lacks the sampler's file (or a default schedule). */
  runner(name: string): SampleRun;
  /** A Jacobi name's iterations per block (block 0 first); undefined for G and exact. */
  schedule(name: string): number[] | undefined;
  release(): Promise<void>;
}

const JacobiSection = z.looseObject({ default_iterations: z.array(z.number().int().min(1)).min(1) });

/** The file name a sampler's samples get: `jacobi:1,1,2` -> `jacobi-1_1_2`, `jacobi:default` -> `jacobi-default`. */
export function samplerFileName(name: string): string {
  return name.replace(":", "-").replaceAll(",", "_");
}

export async function nodeSamplers(dir: string, threads: number): Promise<NodeSamplers> {
  const manifest = parseManifest(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")), dir);
  const exact = exactDecoding(manifest);
  const jacobi = jacobiDecoding(manifest);
  const parsedDefault = JacobiSection.safeParse((manifest as Record<string, unknown>)["jacobi"]);
  const defaultSchedule = parsedDefault.success ? parsedDefault.data.default_iterations : undefined;
  const w = manifest.guidance.default;
  const sessions: ort.InferenceSession[] = [];
  const session = async (file: string) => {
    const s = await createCpuSession(path.join(dir, file), threads);
    sessions.push(s);
    return s;
  };
  const reverse = await session("reverse.onnx");
  const decode = exact === undefined ? undefined : ortStepRunner(await session("decode_step.onnx"));
  const step = jacobi === undefined ? undefined : ortStepRunner(await session("jacobi_step.onnx"));
  const { channels, height, width } = manifest.image;

  const schedule = (name: string): number[] | undefined => {
    const m = /^jacobi:(default|[\d,]+)(?:@[\d.e-]+)?$/.exec(name);
    if (m?.[1] === undefined || jacobi === undefined) return undefined;
    if (m[1] === "default") return defaultSchedule;
    return perBlock(m[1].split(",").map(Number), jacobi.blocks);
  };

  const runner = (name: string): SampleRun => {
    const input = (z: Float32Array, classes: readonly number[]) => ({
      z,
      classes,
      guidance: classes.map(() => w),
      nullClass: manifest.null_class,
      image: manifest.image,
    });
    if (name === "g") {
      return async (z, classes) => {
        const k = classes.length;
        const out = await reverse.run({
          z: float32(z, [k, channels, height, width]),
          class: int64(classes),
          guidance: float32(new Float32Array(k).fill(w), [k]),
        });
        return { images: outputData(out, "image") };
      };
    }
    if (name === "exact" && decode !== undefined && exact !== undefined) {
      return async (z, classes) => ({ images: await exactInverse(decode, input(z, classes), exact) });
    }
    const iterations = schedule(name);
    const tolerance = /@([\d.e-]+)$/.exec(name)?.[1];
    if (iterations !== undefined && step !== undefined && jacobi !== undefined) {
      const plan = { iterations, tolerance: tolerance === undefined ? null : Number(tolerance) };
      return async (z, classes) => {
        const result = await jacobiInverse(step, input(z, classes), jacobi, plan);
        return { images: result.images, blockUpdates: result.iterations.map((its) => its.reduce((a, b) => a + b, 0)) };
      };
    }
    throw new Error(`${manifest.id}: unknown or unavailable sampler ${name}`);
  };

  return {
    manifest,
    guidance: w,
    defaultSchedule,
    runner,
    schedule,
    release: async () => {
      await Promise.all(sessions.map((s) => s.release()));
    },
  };
}

/** The service's noise for seeds from..from+count-1, [count,C,H,W]. */
export function seededNoise(manifest: ModelManifest, from: number, count: number): Float32Array {
  const { channels, height, width } = manifest.image;
  const pixels = channels * height * width;
  const z = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) fillStandardNormal(z, from + i, i * pixels, pixels);
  return z;
}

/** Sample i's class: i mod classes (as models/train/score_samples.py expects). */
export const classesFrom = (manifest: ModelManifest, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => (from + i) % manifest.classes.length);

/** Milliseconds per image at batch 1: the median of `repeats` single-image runs (seeds 0..) after a warm-up. */
export async function msPerImageBatch1(samplers: NodeSamplers, name: string, repeats = 15): Promise<number> {
  const run = samplers.runner(name);
  const { manifest } = samplers;
  await run(seededNoise(manifest, 0, 1), [0]);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const z = seededNoise(manifest, i, 1);
    const t0 = performance.now();
    await run(z, classesFrom(manifest, i, 1));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 === 1 ? (times[mid] ?? NaN) : ((times[mid - 1] ?? NaN) + (times[mid] ?? NaN)) / 2;
}
