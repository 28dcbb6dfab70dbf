// onnxruntime-node helpers for model tooling (parity checks, the model report): session
// creation on the CPU provider and conversion between JSON fixtures and ort tensors.

import * as ort from "onnxruntime-node";

export type Dtype = "float32" | "int64";

export interface JsonTensor {
  dtype: Dtype;
  shape: number[];
  data: number[];
}

export function createCpuSession(file: string, threads = 2): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
}

export function tensorFromJson(t: JsonTensor): ort.Tensor {
  if (t.dtype === "int64")
    return new ort.Tensor(
      "int64",
      BigInt64Array.from(t.data, (v) => BigInt(v)),
      t.shape,
    );
  return new ort.Tensor("float32", Float32Array.from(t.data), t.shape);
}

export function float32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function int64(values: readonly number[], dims: readonly number[] = [values.length]): ort.Tensor {
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

/** The float32 data of a named output; throws with the names present when it is absent. */
export function outputData(out: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const t = out[name];
  if (!(t instanceof ort.Tensor) || !(t.data instanceof Float32Array)) {
    throw new Error(`output ${name} missing or not float32 (outputs: ${Object.keys(out).join(", ")})`);
  }
  return t.data;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}
