// The bench's quantized reverse.onnx figures (issue 12): the int8 and fp16 builds made in
// this run by models/train/quantize.py, timed beside float32 (scripts/bench/variants.ts),
// with their FLD read from the record scripts/quantized-report.ts writes when a model is
// released (models/train/releases/{id}-{version}.quantized.json): scoring samples takes
// the judge and the test split, so it is not redone by every bench run. The record counts
// only when it was made from this very reverse.onnx (its sha256).

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../../tests/helpers/fixtures.js";
import { round } from "./stats.js";
import { shipVerdict, variantTimings, type VariantShape } from "./variants.js";

const run = promisify(execFile);

interface QuantizedRecord {
  reverse_sha256: string;
  date: string;
  fp32: { fld: number; class_accuracy: number };
  scores: { samples: number; guidance: number; split: string };
  variants: Record<string, { fld: number; fld_ratio: number; class_accuracy: number; why: string }>;
}

export interface QuantizedRow {
  name: string;
  bytes: number;
  node_ms_batch1: number;
  node_ms_batch64: number;
  wasm_ms_batch1: number;
  wasm_ms_batch64: number;
  /** From the release record; null when there is none for this reverse.onnx. */
  fld: number | null;
  class_accuracy: number | null;
}

export interface QuantizedFigures {
  rows: QuantizedRow[];
  int8: {
    speedup_batch1: number;
    speedup_batch64: number;
    wasm_speedup_batch1: number;
    wasm_speedup_batch64: number;
    fld_ratio: number | null;
  };
  /** Whether int8 meets issue 12's bar (SHIP_RULE) in this run with the record's FLD. */
  meets_ship_bar: boolean;
  why: string;
  /** The release record's own verdict, from its own timing run. */
  record_why: string | null;
  fld_source: string;
}

export async function quantizedBench(modelDir: string, modelId: string, version: string, shape: VariantShape) {
  const reverse = path.join(modelDir, "reverse.onnx");
  const bytes = await readFile(reverse);
  const sha = createHash("sha256").update(bytes).digest("hex");
  const recordFile = path.join("models/train/releases", `${modelId}-${version}.quantized.json`);
  let record: QuantizedRecord | undefined;
  try {
    record = JSON.parse(await readFile(path.join(ROOT, recordFile), "utf8")) as QuantizedRecord;
  } catch {
    record = undefined;
  }
  const fresh = record?.reverse_sha256 === sha ? record : undefined;

  const dir = await mkdtemp(path.join(tmpdir(), "biflow-bench-quantized-"));
  try {
    await run("/usr/bin/python3", [path.join(ROOT, "models/train/quantize.py"), reverse, "--out", dir], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
    });
    const files = [
      { name: "fp32", file: reverse },
      { name: "int8", file: path.join(dir, "reverse.int8.onnx") },
      { name: "fp16", file: path.join(dir, "reverse.fp16.onnx") },
    ];
    const timing = await variantTimings(files, shape, [1, 64], { wasm: true });
    const rows: QuantizedRow[] = await Promise.all(
      files.map(async (f) => {
        const t = timing.find((x) => x.name === f.name);
        const scored = f.name === "fp32" ? fresh?.fp32 : fresh?.variants[f.name];
        return {
          name: f.name,
          bytes: (await readFile(f.file)).byteLength,
          node_ms_batch1: round(t?.node_ms_per_image["1"] ?? NaN, 3),
          node_ms_batch64: round(t?.node_ms_per_image["64"] ?? NaN, 3),
          wasm_ms_batch1: round(t?.wasm_ms_per_image["1"] ?? NaN, 3),
          wasm_ms_batch64: round(t?.wasm_ms_per_image["64"] ?? NaN, 3),
          fld: scored?.fld ?? null,
          class_accuracy: scored?.class_accuracy ?? null,
        };
      }),
    );
    const [fp32, int8] = rows;
    const ratio = (k: keyof QuantizedRow) => round(Number(fp32?.[k]) / Number(int8?.[k]), 2);
    const fldRatio = fresh?.variants.int8?.fld_ratio ?? null;
    const int8Figures = {
      speedup_batch1: ratio("node_ms_batch1"),
      speedup_batch64: ratio("node_ms_batch64"),
      wasm_speedup_batch1: ratio("wasm_ms_batch1"),
      wasm_speedup_batch64: ratio("wasm_ms_batch64"),
      fld_ratio: fldRatio,
    };
    const verdict = shipVerdict({
      speedup_node_batch1: int8Figures.speedup_batch1,
      speedup_node_batch64: int8Figures.speedup_batch64,
      speedup_wasm_batch1: int8Figures.wasm_speedup_batch1,
      speedup_wasm_batch64: int8Figures.wasm_speedup_batch64,
      fld_ratio: fldRatio ?? NaN,
    });
    process.stderr.write(
      `bench: int8 reverse.onnx ${int8Figures.speedup_batch1}x / ${int8Figures.speedup_batch64}x (node batch 1 / 64), ` +
        `${int8Figures.wasm_speedup_batch1}x / ${int8Figures.wasm_speedup_batch64}x (WASM); FLD x${fldRatio ?? "?"}\n`,
    );
    const figures: QuantizedFigures = {
      rows,
      int8: int8Figures,
      // Judged on the release record's FLD; without one the bar is not met.
      meets_ship_bar: verdict.ship,
      record_why: fresh?.variants.int8?.why ?? null,
      why:
        fresh === undefined
          ? `no FLD: ${recordFile} is ${record === undefined ? "missing" : "for another reverse.onnx"}; ${verdict.why}`
          : verdict.why,
      fld_source:
        fresh === undefined
          ? `none for this reverse.onnx (run: node --import tsx scripts/quantized-report.ts ${path.relative(ROOT, modelDir)})`
          : `${recordFile} (scripts/quantized-report.ts, ${fresh.date.slice(0, 10)}: ${fresh.scores.samples} samples per file, w=${fresh.scores.guidance}, ${fresh.scores.split} split), not this run`,
    };
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// `node --import tsx scripts/bench/quantized.ts <model-dir> <id> <version> <out.json>`: the
// same in a process of its own, which is how `npm run bench` runs it. In the bench's own
// process (after the exact decoder, PyTorch and WASM steps) onnxruntime-node's batch-1 runs
// of these files measured 5.4 to 6.8 ms/image against 1.9 to 2.9 in a fresh process (cause
// not found; p6's native figure, measured just before, was not affected).
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.join(ROOT, "scripts/bench/quantized.ts")) {
  const [modelDir, id, version, out] = process.argv.slice(2);
  if (modelDir === undefined || id === undefined || version === undefined || out === undefined) {
    throw new Error("usage: quantized.ts <model-dir> <id> <version> <out.json>");
  }
  const manifest = JSON.parse(await readFile(path.join(modelDir, "manifest.json"), "utf8")) as {
    image: VariantShape["image"];
    classes: string[];
    null_class: number;
    guidance: { default: number };
  };
  const figures = await quantizedBench(modelDir, id, version, {
    image: manifest.image,
    classes: manifest.classes.length,
    nullClass: manifest.null_class,
    guidance: manifest.guidance.default,
  });
  await writeFile(out, JSON.stringify(figures));
}
