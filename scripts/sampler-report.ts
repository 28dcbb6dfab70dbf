// The samplers side by side on one model (issue 16): G's one pass, Jacobi schedules and F's
// exact inverse. Writes n samples per sampler as uint8 pixels (the service's noise: sample i
// has seed i and class i mod classes, the model's default guidance) for
// models/train/score_samples.py, and the time per image at batch 1 on onnxruntime-node.
//
//   node --import tsx scripts/sampler-report.ts <model-dir> <out-dir> <n> [threads] [sampler ...]
//   sampler: g | exact | jacobi:K | jacobi:k0,k1,...,k7 | jacobi:default [@tolerance]
//   (default: g exact jacobi:1,2,4,8; scripts/lib/samplers-node.ts runs them)
//
// <out-dir>/timing.json gets { sampler: ms per image at batch 1 }.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { toByte } from "../src/png/tensor.js";
import { classesFrom, msPerImageBatch1, nodeSamplers, samplerFileName, seededNoise } from "./lib/samplers-node.js";

const [dir, outDir, nArg, threadsArg, ...names] = process.argv.slice(2);
if (dir === undefined || outDir === undefined || nArg === undefined) {
  console.error("usage: sampler-report.ts <model-dir> <out-dir> <n> [threads] [sampler ...]");
  process.exit(2);
}
const n = Number(nArg);
const threads = Number(threadsArg ?? 1);
const samplers = await nodeSamplers(dir, threads);
const { manifest } = samplers;
const pixels = manifest.image.channels * manifest.image.height * manifest.image.width;

await mkdir(outDir, { recursive: true });
const timingPath = path.join(outDir, "timing.json");
const timing = JSON.parse(await readFile(timingPath, "utf8").catch(() => "{}")) as Record<string, number>;
for (const name of names.length > 0 ? names : ["g", "exact", "jacobi:1", "jacobi:2", "jacobi:4", "jacobi:8"]) {
  const run = samplers.runner(name);
  timing[name] = Number((await msPerImageBatch1(samplers, name)).toFixed(3));
  const out = new Uint8Array(n * pixels);
  /** Block updates each Jacobi image really ran (early stop), for the mean per sampler. */
  const ran: number[] = [];
  for (let a = 0; a < n; a += 100) {
    const count = Math.min(100, n - a);
    const { images, blockUpdates } = await run(seededNoise(manifest, a, count), classesFrom(manifest, a, count));
    for (let j = 0; j < images.length; j++) out[a * pixels + j] = toByte(images[j] ?? 0);
    ran.push(...(blockUpdates ?? []));
  }
  await writeFile(path.join(outDir, `${samplerFileName(name)}.u8`), out);
  if (ran.length > 0) timing[`${name} block updates`] = ran.reduce((a, b) => a + b, 0) / ran.length;
  await writeFile(timingPath, JSON.stringify(timing, null, 2));
  console.log(`${name}: ${timing[name]} ms/image at batch 1; ${n} samples written`);
}
await samplers.release();
