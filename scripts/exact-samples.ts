// F's exact inverse for the model evaluation: decodes n samples through decode_step.onnx on
// onnxruntime-node (an order of magnitude faster than PyTorch eager here) and writes them as
// uint8 pixels, the way the service stores them, for models/train/evaluate.py to score.
//
//   node --import tsx scripts/exact-samples.ts <model-dir> <w> <n> <out.u8> [threads]
//
// Sample i has class i mod classes and the service's noise for seed i (src/noise), so it is
// the image the exact sampler serves for that class and seed. Next to <out.u8> goes
// <out.u8>.json with the seconds per image and how the samples were made.

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fillStandardNormal } from "../src/noise/gaussian.js";
import { toByte } from "../src/png/tensor.js";
import { exactInverse, type Decoding } from "./lib/exact-decode.js";
import { createCpuSession } from "./lib/onnx-node.js";

interface Manifest {
  image: { channels: number; height: number; width: number };
  classes: string[];
  null_class: number;
  files: { decode_step: { decoding: Decoding; inputs: { name: string; shape: (number | string)[] }[] } };
}

const [dirArg, wArg, nArg, outArg, threadsArg] = process.argv.slice(2);
if (dirArg === undefined || wArg === undefined || nArg === undefined || outArg === undefined) {
  console.error("usage: exact-samples.ts <model-dir> <w> <n> <out.u8> [threads]");
  process.exit(2);
}
const w = Number(wArg);
const n = Number(nArg);
const manifest = JSON.parse(await readFile(path.join(dirArg, "manifest.json"), "utf8")) as Manifest;
const { decoding } = manifest.files.decode_step;
const cacheSpec = manifest.files.decode_step.inputs.find((i) => i.name === "k_cache");
if (cacheSpec === undefined) throw new Error("decode_step has no k_cache input");
const [layers, , heads, , headDim] = cacheSpec.shape.map(Number);
const cache = { layers: layers ?? 0, heads: heads ?? 0, headDim: headDim ?? 0 };
const session = await createCpuSession(path.join(dirArg, "decode_step.onnx"), Number(threadsArg ?? 1));
const pixels = manifest.image.channels * manifest.image.height * manifest.image.width;
const out = new Uint8Array(n * pixels);
const batch = 250;
const started = performance.now();
for (let a = 0; a < n; a += batch) {
  const m = Math.min(batch, n - a);
  const z = new Float32Array(m * pixels);
  const classes = Array.from({ length: m }, (_, i) => (a + i) % manifest.classes.length);
  for (let i = 0; i < m; i++) fillStandardNormal(z, a + i, i * pixels, pixels);
  const images = await exactInverse(session, z, classes, manifest.image, decoding, cache, {
    w,
    nullClass: manifest.null_class,
  });
  for (let j = 0; j < images.length; j++) out[a * pixels + j] = toByte(images[j] ?? 0);
  console.log(`exact inverse w=${w}: ${a + m}/${n}`);
}
const seconds = (performance.now() - started) / 1000 / n;
await mkdir(path.dirname(path.resolve(outArg)), { recursive: true });
await writeFile(`${outArg}.tmp`, out);
await rename(`${outArg}.tmp`, outArg);
await writeFile(
  `${outArg}.json`,
  JSON.stringify({ w, n, seconds_per_image: seconds, classes: "i mod classes", noise: "seed i (src/noise)" }),
);
