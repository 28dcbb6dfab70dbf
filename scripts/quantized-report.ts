// The quantized builds of a model's reverse.onnx against the float32 file (issue 12): builds
// them (models/train/quantize.py, python3-onnx), then on the runtimes the service uses
// measures how close their images are to float32's (8-bit pixels, as served), their time per
// image at batch 1 and 64 side by side (onnxruntime-node CPU and onnxruntime-web WASM, one
// thread each), and the judge's FLD and class accuracy of n samples from each file
// (models/train/score_samples.py, test split; sample i: seed i, class i mod classes, the
// default guidance, 8-bit pixels as served). Writes the record `npm run bench` reads:
//
//   node --import tsx scripts/quantized-report.ts <model-dir> [n=2000] [--no-wasm]
//     -> models/train/releases/{id}-{version}.quantized.json
//
// The record says whether a build meets issue 12's bar for shipping (SHIP_RULE); it ships
// nothing itself. The model folder is only read.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { nodeWasmLoading } from "../node/ort-wasm.js";
import { parseManifest } from "../src/models/manifest.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { ROOT } from "../tests/helpers/fixtures.js";
import { round } from "./bench/stats.js";
import {
  closeness,
  runNode,
  samplesU8,
  SHIP_RULE,
  shipVerdict,
  variantInputs,
  variantTimings,
  type Closeness,
  type VariantFile,
  type VariantShape,
} from "./bench/variants.js";
import { createCpuSession } from "./lib/onnx-node.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const pyEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const [dirArg, nArg] = args;
if (dirArg === undefined) {
  console.error("usage: quantized-report.ts <model-dir> [n=2000] [--no-wasm]");
  process.exit(2);
}
const dir = path.resolve(dirArg);
const wasm = !process.argv.includes("--no-wasm");
const n = Number(nArg ?? 2000);
const manifest = parseManifest(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")), dir);
const shape: VariantShape = {
  image: manifest.image,
  classes: manifest.classes.length,
  nullClass: manifest.null_class,
  guidance: manifest.guidance.default,
};
const reverseFile = path.join(dir, "reverse.onnx");
const reverseSha = createHash("sha256")
  .update(await readFile(reverseFile))
  .digest("hex");

const work = await mkdtemp(path.join(tmpdir(), "biflow-quantized-"));
try {
  const { stdout: built } = await run(
    PYTHON,
    [path.join(ROOT, "models/train/quantize.py"), reverseFile, "--out", work],
    { env: pyEnv },
  );
  const quantize = JSON.parse(built) as Record<string, unknown>;
  const kinds = (await readdir(work))
    .map((f) => /^reverse\.([a-z0-9]+)\.onnx$/.exec(f)?.[1])
    .filter((k): k is string => k !== undefined)
    .sort();
  const files: VariantFile[] = [
    { name: "fp32", file: reverseFile },
    ...kinds.map((k) => ({ name: k, file: path.join(work, `reverse.${k}.onnx`) })),
  ];

  // Closeness to float32 on onnxruntime-node: 256 images over every class and the null
  // class, at the guidance range's ends and default; on WASM too (its integer kernels are
  // not AVX2's, whose u8*s8 pair sums saturate: models/train/quantize.py).
  const sessions = await Promise.all(files.map((f) => createCpuSession(f.file, 1)));
  const web = wasm ? new OrtRuntime({ wasm: nodeWasmLoading() }) : undefined;
  const guidances = [manifest.guidance.min, manifest.guidance.default, manifest.guidance.max];
  const near: Record<string, Record<string, Closeness>> = {};
  const nearWasm: Record<string, Record<string, Closeness>> = {};
  for (const w of guidances) {
    const inputs = variantInputs(shape, 256, 60_000, w);
    const [reference, ...rest] = await Promise.all(sessions.map((s) => runNode(s, inputs)));
    if (reference === undefined) throw new Error("no fp32 output");
    for (const [k, images] of rest.entries()) {
      const f = files[k + 1];
      if (f === undefined) continue;
      (near[f.name] ??= {})[w.toFixed(2)] = closeness(reference, images);
      if (web === undefined) continue;
      const bytes = new Uint8Array(await readFile(f.file));
      const session = await web.session(`closeness/${f.name}`, () => Promise.resolve(bytes));
      const b = inputs.dims[0];
      const out = await web.run(session, {
        z: web.tensor("float32", inputs.z, inputs.dims),
        class: web.tensor("int64", inputs.classes, [b]),
        guidance: web.tensor("float32", inputs.guidance, [b]),
      });
      (nearWasm[f.name] ??= {})[w.toFixed(2)] = closeness(reference, out.image?.data as Float32Array);
    }
  }
  const summary = (c: Record<string, Record<string, Closeness>>) =>
    Object.entries(c).map(
      ([name, byW]) =>
        `${name}: max pixel diff ${Object.entries(byW)
          .map(([w, x]) => `${x.max_pixel_0_255} (mean ${round(x.mean_pixel_0_255, 2)}) at w=${w}`)
          .join(", ")}`,
    );
  console.log(["closeness to fp32, onnxruntime-node:", ...summary(near)].join("\n  "));
  if (web !== undefined)
    console.log(["closeness to fp32 (node), onnxruntime-web WASM:", ...summary(nearWasm)].join("\n  "));

  const timing = await variantTimings(files, shape, [1, 64], { wasm });
  for (const t of timing) {
    console.log(
      `${t.name}: node ${round(t.node_ms_per_image["1"] ?? NaN, 3)} / ${round(t.node_ms_per_image["64"] ?? NaN, 3)} ms/image (batch 1 / 64)` +
        (wasm
          ? `, wasm ${round(t.wasm_ms_per_image["1"] ?? NaN, 3)} / ${round(t.wasm_ms_per_image["64"] ?? NaN, 3)}`
          : ""),
    );
  }

  for (const [k, f] of files.entries()) {
    const s = sessions[k];
    if (s !== undefined) await writeFile(path.join(work, `${f.name}.u8`), await samplesU8(s, shape, n, shape.guidance));
  }
  await Promise.all(sessions.map((s) => s.release()));
  const scoresFile = path.join(work, "scores.json");
  await run(
    PYTHON,
    [
      path.join(ROOT, "models/train/score_samples.py"),
      ...["--split", "test", "--out", scoresFile],
      ...files.map((f) => path.join(work, `${f.name}.u8`)),
    ],
    { env: pyEnv, maxBuffer: 1 << 20 },
  );
  const scores = (
    JSON.parse(await readFile(scoresFile, "utf8")) as {
      scores: Record<string, { fld: number; class_accuracy: number }>;
    }
  ).scores;
  const fp32 = timing.find((t) => t.name === "fp32");
  const fld32 = scores.fp32?.fld ?? NaN;
  const variants = Object.fromEntries(
    timing
      .filter((t) => t.name !== "fp32")
      .map((t) => {
        const speedup = (runtime: "node_ms_per_image" | "wasm_ms_per_image", b: string) =>
          round((fp32?.[runtime][b] ?? NaN) / (t[runtime][b] ?? NaN), 2);
        const figures = {
          speedup_node_batch1: speedup("node_ms_per_image", "1"),
          speedup_node_batch64: speedup("node_ms_per_image", "64"),
          speedup_wasm_batch1: speedup("wasm_ms_per_image", "1"),
          speedup_wasm_batch64: speedup("wasm_ms_per_image", "64"),
          fld: scores[t.name]?.fld ?? NaN,
          fld_ratio: round((scores[t.name]?.fld ?? NaN) / fld32, 4),
          class_accuracy: scores[t.name]?.class_accuracy ?? NaN,
        };
        return [t.name, { ...figures, ...shipVerdict(figures) }];
      }),
  );
  for (const [name, v] of Object.entries(variants)) console.log(`${name}: ${JSON.stringify(v)}`);

  const record = {
    model: { id: manifest.id, version: manifest.version },
    reverse_sha256: reverseSha,
    date: new Date().toISOString(),
    ship_rule: SHIP_RULE,
    variants,
    fp32: { fld: fld32, class_accuracy: scores.fp32?.class_accuracy ?? NaN },
    scores: { split: "test", samples: n, guidance: shape.guidance, by_file: scores },
    closeness: { images: 256, node: near, wasm: nearWasm },
    timing: {
      runtime:
        "onnxruntime-node CPU EP and onnxruntime-web WASM, 1 thread each, runs of the files interleaved; medians",
      rows: timing,
    },
    quantize,
  };
  const out = path.join(ROOT, "models/train/releases", `${manifest.id}-${manifest.version}.quantized.json`);
  await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`written ${path.relative(ROOT, out)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
