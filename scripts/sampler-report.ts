// The samplers side by side on one model (issue 16): G's one pass, Jacobi schedules and F's
// exact inverse. Writes n samples per sampler as uint8 pixels (the service's noise: sample i
// has seed i and class i mod classes, the model's default guidance) for
// models/train/score_samples.py, and the time per image at batch 1 on onnxruntime-node.
//
//   node --import tsx scripts/sampler-report.ts <model-dir> <out-dir> <n> [threads] [sampler ...]
//   sampler: g | exact | jacobi:K | jacobi:k0,k1,...,k7 [@tolerance]   (default: g exact jacobi:1,2,4,8)
//
// <out-dir>/timing.json gets { sampler: ms per image at batch 1 }.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ortStepRunner } from "../engine/onnx/step-runner.js";
import { exactInverse } from "../src/flow/exact.js";
import { jacobiInverse, perBlock } from "../src/flow/jacobi.js";
import { exactDecoding, jacobiDecoding } from "../src/flow/step.js";
import { parseManifest } from "../src/models/manifest.js";
import { fillStandardNormal } from "../src/noise/gaussian.js";
import { toByte } from "../src/png/tensor.js";
import { createCpuSession, float32, int64, outputData } from "./lib/onnx-node.js";

const [dir, outDir, nArg, threadsArg, ...names] = process.argv.slice(2);
if (dir === undefined || outDir === undefined || nArg === undefined) {
  console.error("usage: sampler-report.ts <model-dir> <out-dir> <n> [threads] [sampler ...]");
  process.exit(2);
}
const n = Number(nArg);
const threads = Number(threadsArg ?? 1);
const samplers = names.length > 0 ? names : ["g", "exact", "jacobi:1", "jacobi:2", "jacobi:4", "jacobi:8"];
const manifest = parseManifest(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")), dir);
const exact = exactDecoding(manifest);
const jacobi = jacobiDecoding(manifest);
const pixels = manifest.image.channels * manifest.image.height * manifest.image.width;
const w = manifest.guidance.default;
const session = (file: string) => createCpuSession(path.join(dir, file), threads);
const reverse = await session("reverse.onnx");
const decode = exact === undefined ? undefined : ortStepRunner(await session("decode_step.onnx"));
const step = jacobi === undefined ? undefined : ortStepRunner(await session("jacobi_step.onnx"));

type Run = (z: Float32Array, classes: number[]) => Promise<Float32Array>;
/** Block updates each Jacobi image really ran (early stop), for the mean per sampler. */
let ran: number[] = [];

function runner(name: string): Run {
  const input = (z: Float32Array, classes: number[]) => ({
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
        z: float32(z, [k, manifest.image.channels, manifest.image.height, manifest.image.width]),
        class: int64(classes),
        guidance: float32(new Float32Array(k).fill(w), [k]),
      });
      return outputData(out, "image");
    };
  }
  if (name === "exact" && decode !== undefined && exact !== undefined) {
    return (z, classes) => exactInverse(decode, input(z, classes), exact);
  }
  const m = /^jacobi:([\d,]+)(?:@([\d.e-]+))?$/.exec(name);
  if (m?.[1] !== undefined && step !== undefined && jacobi !== undefined) {
    const iterations = perBlock(m[1].split(",").map(Number), jacobi.blocks);
    const tolerance = m[2] === undefined ? null : Number(m[2]);
    return async (z, classes) => {
      const result = await jacobiInverse(step, input(z, classes), jacobi, { iterations, tolerance });
      for (const its of result.iterations) ran.push(its.reduce((a, b) => a + b, 0));
      return result.images;
    };
  }
  throw new Error(`unknown or unavailable sampler ${name}`);
}

function noise(from: number, count: number): Float32Array {
  const z = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) fillStandardNormal(z, from + i, i * pixels, pixels);
  return z;
}

const classesOf = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => (from + i) % manifest.classes.length);

await mkdir(outDir, { recursive: true });
const timingPath = path.join(outDir, "timing.json");
const timing = JSON.parse(await readFile(timingPath, "utf8").catch(() => "{}")) as Record<string, number>;
for (const name of samplers) {
  const run = runner(name);
  ran = [];
  // Time per image at batch 1: the median of 15 single-image runs after a warm-up.
  await run(noise(0, 1), [0]);
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    await run(noise(i, 1), classesOf(i, 1));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  timing[name] = Number((times[7] ?? 0).toFixed(3));
  const out = new Uint8Array(n * pixels);
  for (let a = 0; a < n; a += 100) {
    const count = Math.min(100, n - a);
    const images = await run(noise(a, count), classesOf(a, count));
    for (let j = 0; j < images.length; j++) out[a * pixels + j] = toByte(images[j] ?? 0);
  }
  await writeFile(path.join(outDir, `${name.replace(":", "-").replaceAll(",", "_")}.u8`), out);
  if (ran.length > 0) timing[`${name} block updates`] = ran.reduce((a, b) => a + b, 0) / ran.length;
  await writeFile(timingPath, JSON.stringify(timing, null, 2));
  console.log(`${name}: ${timing[name]} ms/image at batch 1; ${n} samples written`);
}
