// Model report: from a trained model's ONNX files, writes the model card's sample grids
// and measures 1-NFE sampling (reverse.onnx) against F's exact inverse (decode_step.onnx)
// on onnxruntime-node CPU, at batch 1 and 64, and every sampler of the quality-per-cost table
// (G, Jacobi K = 1, 2, 4, 8 and the default schedule, exact) at batch 1 and the default
// guidance. Results go into manifest.metrics.timing; with the evaluation's `jacobi` part in
// the manifest, the card's chart of quality against time per image goes to
// samplers-quality.svg.
//
//   node --import tsx scripts/model-report.ts [models/fmnist-biflow-s]

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import { fillStandardNormal } from "../src/noise/gaussian.js";
import { encodePng } from "../src/png/encode.js";
import { tileRasters } from "../src/images/tile.js";
import { tensorImageToRaster } from "../src/png/tensor.js";
import { exactInverse, type Decoding } from "./lib/exact-decode.js";
import { createCpuSession, float32, int64, maxAbsDiff, outputData } from "./lib/onnx-node.js";
import { pointLabel, qualityChartSvg } from "./lib/quality-chart.js";
import { isComplete, qualityFromManifest } from "./lib/sampler-quality.js";
import { msPerImageBatch1, nodeSamplers, samplerFileName, TABLE_SAMPLERS } from "./lib/samplers-node.js";

interface Manifest {
  id: string;
  image: { channels: number; height: number; width: number };
  classes: string[];
  guidance: { default: number };
  files: { decode_step: { decoding: Decoding; inputs: { name: string; shape: (number | string)[] }[] } };
  metrics: Record<string, unknown>;
}

const THREADS = 2;
const modelDir = path.resolve(process.argv[2] ?? "models/fmnist-biflow-s");
const manifestPath = path.join(modelDir, "manifest.json");
const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
const shape = manifest.image;
const pixels = shape.channels * shape.height * shape.width;
const decoding = manifest.files.decode_step.decoding;
const cacheSpec = manifest.files.decode_step.inputs.find((i) => i.name === "k_cache");
if (cacheSpec === undefined) throw new Error("decode_step has no k_cache input");
const [layers, , heads, , headDim] = cacheSpec.shape.map(Number);
const cache = { layers: layers ?? 0, heads: heads ?? 0, headDim: headDim ?? 0 };

const reverse = await createCpuSession(path.join(modelDir, "reverse.onnx"), THREADS);
const forward = await createCpuSession(path.join(modelDir, "forward.onnx"), THREADS);
const decode = await createCpuSession(path.join(modelDir, "decode_step.onnx"), THREADS);

function noise(seeds: readonly number[]): Float32Array {
  const z = new Float32Array(seeds.length * pixels);
  seeds.forEach((s, i) => fillStandardNormal(z, s, i * pixels, pixels));
  return z;
}

async function sampleG(z: Float32Array, classes: readonly number[], w: number): Promise<Float32Array> {
  const n = classes.length;
  const out = await reverse.run({
    z: float32(z, [n, shape.channels, shape.height, shape.width]),
    class: int64(classes),
    guidance: float32(new Float32Array(n).fill(w), [n]),
  });
  return outputData(out, "image");
}

const sampleExact = (z: Float32Array, classes: readonly number[]) =>
  exactInverse(decode, z, classes, shape, decoding, cache);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function msPerImage(run: () => Promise<unknown>, batch: number, repeats: number): Promise<number> {
  await run(); // warm-up: first runs allocate and pick kernels
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / batch);
  }
  return median(times);
}

/**
 * One row per class, `cols` seeds per row, laid out by the tiler of the class-grid URLs
 * (src/images/tile.ts): column s holds, top to bottom, exactly the tiles of
 * /v1/grids/{model}@{version}/{s}.png (which runs left to right), made by the same G on the same noise (up to float rounding between batch sizes).
 */
async function grid(images: Float32Array, rows: number, cols: number): Promise<Uint8Array> {
  const tiles = Array.from({ length: rows * cols }, (_, i) => tensorImageToRaster(images, i, shape));
  return encodePng(tileRasters(tiles, rows, cols));
}

// 1. The decode algorithm in TypeScript really inverts F: x -> F(x) -> exact inverse ~ x.
const probeClasses = [0, 3, 7];
const probe = await sampleG(noise([11, 12, 13]), probeClasses, 0);
const fwd = await forward.run({
  image: float32(probe, [3, shape.channels, shape.height, shape.width]),
  class: int64(probeClasses),
});
const roundTrip = maxAbsDiff(await sampleExact(outputData(fwd, "z"), probeClasses), probe);
console.log(`exact inverse round trip F^-1(F(x)) max abs error: ${roundTrip.toExponential(2)}`);
if (!(roundTrip < 1e-2)) throw new Error("decode_step does not invert forward.onnx: check the algorithm");

// 2. Sample grids: rows are classes, columns seeds 0..9, at the model's default guidance.
const cols = 10;
const classes = manifest.classes.flatMap((_, k) => Array.from({ length: cols }, () => k));
const seeds = manifest.classes.flatMap(() => Array.from({ length: cols }, (_, s) => s));
const z = noise(seeds);
const w = manifest.guidance.default;
await writeFile(
  path.join(modelDir, "samples.png"),
  await grid(await sampleG(z, classes, w), manifest.classes.length, cols),
);
await writeFile(
  path.join(modelDir, "samples-w0.png"),
  await grid(await sampleG(z, classes, 0), manifest.classes.length, cols),
);
await writeFile(
  path.join(modelDir, "samples-exact-inverse.png"),
  await grid(await sampleExact(z, classes), manifest.classes.length, cols),
);

// 3. Time per image, both samplers, batch 1 and 64, same runtime and threads.
const timing: Record<string, unknown> = {
  runtime: `onnxruntime-node ${ort.env.versions.common} CPU EP, ${THREADS} intra-op threads`,
};
for (const batch of [1, 64]) {
  const zb = noise(Array.from({ length: batch }, (_, i) => 1000 + i));
  const cb = Array.from({ length: batch }, (_, i) => i % manifest.classes.length);
  const g = await msPerImage(() => sampleG(zb, cb, 0), batch, batch === 1 ? 50 : 10);
  const e = await msPerImage(() => sampleExact(zb, cb), batch, batch === 1 ? 5 : 3);
  timing[`reverse_ms_per_image_batch${batch}`] = Number(g.toFixed(3));
  timing[`exact_inverse_ms_per_image_batch${batch}`] = Number(e.toFixed(3));
  timing[`speedup_batch${batch}`] = Number((e / g).toFixed(1));
  console.log(
    `batch ${batch}: 1-NFE ${g.toFixed(3)} ms/image, exact inverse ${e.toFixed(3)} ms/image, ${(e / g).toFixed(1)}x`,
  );
}
timing["exact_inverse_steps"] = decoding.blocks * (decoding.tokens - 1);
timing["exact_inverse_round_trip_max_abs_error"] = Number(roundTrip.toExponential(2));

// 4. The samplers of the quality-per-cost table at batch 1, guided as served (issue 16).
const samplers = await nodeSamplers(modelDir, THREADS);
const available = TABLE_SAMPLERS.filter((name) => {
  if (name === "g") return true;
  if (name === "exact") return samplers.manifest.files.decode_step !== undefined;
  return samplers.manifest.files.jacobi_step !== undefined && samplers.schedule(name) !== undefined;
});
const samplerMs: Record<string, number> = {};
const blockUpdates: Record<string, number> = {};
for (const name of available) {
  const key = samplerFileName(name);
  samplerMs[key] = Number((await msPerImageBatch1(samplers, name)).toFixed(3));
  const schedule = samplers.schedule(name);
  if (schedule !== undefined) blockUpdates[key] = schedule.reduce((a, b) => a + b, 0);
  console.log(`${name}: ${samplerMs[key]} ms/image at batch 1, w = ${samplers.guidance}`);
}
await samplers.release();
timing["samplers_batch1"] = {
  guidance: samplers.guidance,
  default_iterations: samplers.defaultSchedule ?? null,
  ms_per_image: samplerMs,
  block_updates: blockUpdates,
  how: "median of 15 single-image runs after a warm-up, each sampler at the default guidance (scripts/lib/samplers-node.ts)",
};
const quality = qualityFromManifest(samplers.manifest);
if (isComplete(quality) && available.length === TABLE_SAMPLERS.length) {
  const points = TABLE_SAMPLERS.map((name) => {
    const q = quality.rows[samplerFileName(name)];
    return {
      label: pointLabel(name),
      msPerImage: samplerMs[samplerFileName(name)] ?? NaN,
      fld: q?.fld ?? NaN,
      accuracy: q?.class_accuracy ?? NaN,
    };
  });
  const subtitle =
    `time: onnxruntime-node ${ort.env.versions.common} CPU, ${THREADS} threads, batch 1, w = ${samplers.guidance}; ` +
    `quality: ${quality.samples} samples per sampler, test split`;
  const svg = qualityChartSvg(points, `${samplers.manifest.id}@${samplers.manifest.version}`, subtitle);
  await writeFile(path.join(modelDir, "samplers-quality.svg"), svg);
  console.log("wrote samplers-quality.svg");
} else {
  console.log("no quality figures for every sampler (evaluate.py --parts jacobi): no samplers-quality.svg");
}

manifest.metrics = { ...manifest.metrics, timing };
await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(JSON.stringify(timing, null, 2));
