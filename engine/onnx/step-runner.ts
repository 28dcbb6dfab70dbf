// The RunStep of src/flow (F's exact and Jacobi inverses) on an onnxruntime-node session:
// plain typed arrays in and out, wrapped as ort tensors without copying.

import * as ort from "onnxruntime-node";
import type { RunStep, StepOutput, StepTensor } from "../../src/flow/step.js";

function tensor(t: StepTensor): ort.Tensor {
  return t.type === "float32" ? new ort.Tensor("float32", t.data, t.dims) : new ort.Tensor("int64", t.data, t.dims);
}

export function ortStepRunner(session: ort.InferenceSession): RunStep {
  return async (feeds) => {
    const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tensor(v)])));
    const result: Record<string, StepOutput> = {};
    for (const [name, value] of Object.entries(out)) {
      if (value instanceof ort.Tensor && value.data instanceof Float32Array) {
        result[name] = { data: value.data, dims: value.dims };
      }
    }
    return result;
  };
}
