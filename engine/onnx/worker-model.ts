// What an inference worker gets of a model: its verified ONNX files (reverse.onnx, and the
// decode and Jacobi steps of F's inverse where the manifest has them) and their decodings;
// one definition for the router's in-process engine and the GPU backend.

import { exactDecoding, jacobiDecoding } from "../../src/flow/step.js";
import type { ModelEntry } from "../../src/models/registry.js";
import type { WorkerModel } from "./protocol.js";

export async function workerModel(entry: ModelEntry): Promise<WorkerModel> {
  const { manifest } = entry;
  const exact = exactDecoding(manifest);
  const jacobi = jacobiDecoding(manifest);
  return {
    ref: entry.ref,
    bytes: await entry.loadFile("reverse"),
    image: manifest.image,
    nullClass: manifest.null_class,
    ...(exact === undefined || !entry.hasFile("decode_step")
      ? {}
      : { decodeStep: { bytes: await entry.loadFile("decode_step"), exact } }),
    ...(jacobi === undefined || !entry.hasFile("jacobi_step")
      ? {}
      : { jacobiStep: { bytes: await entry.loadFile("jacobi_step"), decoding: jacobi } }),
  };
}
