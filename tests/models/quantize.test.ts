// models/train/quantize.py on a tiny fixture (tests/fixtures/make_quantize_fixture.py):
// the int8 and fp16 builds run on onnxruntime-node and onnxruntime-web (WASM), and their
// images stay within a stated distance of the float32 file's, as onnxruntime computes
// them; the int8 file really holds int8 weights and integer MatMuls where the weights were,
// and leaves the activation-by-activation MatMuls float. With 7-bit weights the integer
// sums are exact on every kernel, so node and WASM give the same int8 images (8-bit
// weights saturate onnxruntime's AVX2 kernel: 0.39 from float32 here against WASM's 0.12).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { ROOT } from "../helpers/fixtures.js";

const PYTHON = "/usr/bin/python3";
const env = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
const BATCH = 32;
const SIZE = 64;
// Four quantized MatMuls in a row (activations rounded to 1/255 of their range, weights to
// 1/126 of each column's) on outputs in [-1, 1]: mean |difference| within 0.02 (about 2.5
// levels of 255, the trained model's is 2.2) and none over 0.2 (measured here: 0.010 and
// 0.13). fp16 weights alone: relative rounding 2^-11 per weight, within 5e-3 everywhere.
const INT8_MEAN_TOLERANCE = 0.02;
const INT8_MAX_TOLERANCE = 0.2;
const FP16_TOLERANCE = 5e-3;
// float32 arithmetic after exact integer sums: the runtimes may differ in the last bits only.
const RUNTIME_AGREEMENT = 1e-5;

function python(args: string[]): string {
  const run = spawnSync(PYTHON, args, { cwd: ROOT, env, encoding: "utf8" });
  expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  return run.stdout;
}

/** Op types and initializer dtypes of an ONNX file, read by python3-onnx (not by the quantizer). */
function describeModel(file: string): { ops: Record<string, number>; initializers: Record<string, string> } {
  const out = python([
    "-c",
    [
      "import collections, json, sys, onnx",
      "m = onnx.load(sys.argv[1])",
      "print(json.dumps({'ops': collections.Counter(n.op_type for n in m.graph.node),",
      "  'initializers': {i.name: onnx.TensorProto.DataType.Name(i.data_type) for i in m.graph.initializer}}))",
    ].join("\n"),
    file,
  ]);
  return JSON.parse(out) as { ops: Record<string, number>; initializers: Record<string, string> };
}

function feeds(): { z: Float32Array; classes: BigInt64Array; guidance: Float32Array } {
  const z = new Float32Array(BATCH * SIZE);
  // A deterministic spread of values in about [-2.5, 2.5], like standard normal noise.
  for (let i = 0; i < z.length; i++) z[i] = 2.5 * Math.sin(i * 0.7312 + 0.3) * Math.cos(i * 0.119);
  return {
    z,
    classes: BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 4)),
    guidance: Float32Array.from({ length: BATCH }, (_, i) => (i % 7) * 0.5),
  };
}

async function runNode(file: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
  const f = feeds();
  const out = await session.run({
    z: new ort.Tensor("float32", f.z, [BATCH, 1, 8, 8]),
    class: new ort.Tensor("int64", f.classes, [BATCH]),
    guidance: new ort.Tensor("float32", f.guidance, [BATCH]),
  });
  await session.release();
  return out.image?.data as Float32Array;
}

const web = new OrtRuntime({ wasm: nodeWasmLoading() });

async function runWasm(file: string): Promise<Float32Array> {
  const bytes = new Uint8Array(readFileSync(file));
  const session = await web.session(file, () => Promise.resolve(bytes));
  const f = feeds();
  const out = await web.run(session, {
    z: web.tensor("float32", f.z, [BATCH, 1, 8, 8]),
    class: web.tensor("int64", f.classes, [BATCH]),
    guidance: web.tensor("float32", f.guidance, [BATCH]),
  });
  return out.image?.data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}

describe("models/train/quantize.py", () => {
  let dir: string;
  let fp32: Float32Array;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "biflow-quantize-"));
    python(["tests/fixtures/make_quantize_fixture.py", path.join(dir, "reverse.onnx")]);
    python(["models/train/quantize.py", dir, "--out", dir]);
    fp32 = await runNode(path.join(dir, "reverse.onnx"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("int8: integer MatMuls with int8 weights where the weights were; activation MatMuls stay float", () => {
    const m = describeModel(path.join(dir, "reverse.int8.onnx"));
    expect(m.ops.MatMulInteger).toBe(4);
    expect(m.ops.DynamicQuantizeLinear).toBe(4);
    expect(m.ops.MatMul).toBe(2);
    for (const name of ["W_embed", "W_up", "W_down", "W_head"]) expect(m.initializers[name]).toBeUndefined();
    expect(Object.values(m.initializers).filter((t) => t === "INT8").length).toBeGreaterThanOrEqual(4);
  });

  it("fp16: the weights are stored as float16", () => {
    const m = describeModel(path.join(dir, "reverse.fp16.onnx"));
    for (const name of ["W_embed", "W_up", "W_down", "W_head", "class_emb"])
      expect(m.initializers[`${name}_fp16`]).toBe("FLOAT16");
  });

  it(`int8 on onnxruntime-node and WASM: mean within ${INT8_MEAN_TOLERANCE}, max within ${INT8_MAX_TOLERANCE} of float32, not float32 itself, and the same on both`, async () => {
    const file = path.join(dir, "reverse.int8.onnx");
    const node = await runNode(file);
    const wasm = await runWasm(file);
    for (const images of [node, wasm]) {
      expect(meanAbsDiff(fp32, images)).toBeLessThanOrEqual(INT8_MEAN_TOLERANCE);
      expect(maxAbsDiff(fp32, images)).toBeLessThanOrEqual(INT8_MAX_TOLERANCE);
      expect(maxAbsDiff(fp32, images)).toBeGreaterThan(1e-3);
    }
    expect(maxAbsDiff(node, wasm)).toBeLessThanOrEqual(RUNTIME_AGREEMENT);
  });

  it(`fp16 on onnxruntime-node and WASM: within ${FP16_TOLERANCE} of float32`, async () => {
    const file = path.join(dir, "reverse.fp16.onnx");
    for (const images of [await runNode(file), await runWasm(file)]) {
      expect(maxAbsDiff(fp32, images)).toBeLessThanOrEqual(FP16_TOLERANCE);
    }
  });
});
