// Replays a parity fixture written by models/train/export.py (fixed inputs and PyTorch's
// outputs) through onnxruntime-node and reports the largest difference per output.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { createCpuSession, maxAbsDiff, outputData, tensorFromJson, type JsonTensor } from "./onnx-node.js";

export interface ParityFixture {
  model: string;
  tolerance: number;
  files: Record<string, { inputs: Record<string, JsonTensor>; outputs: Record<string, JsonTensor> }>;
}

export interface ParityResult {
  file: string;
  output: string;
  maxAbsDiff: number;
}

export async function readParityFixture(file: string): Promise<ParityFixture> {
  return JSON.parse(await readFile(file, "utf8")) as ParityFixture;
}

/** Runs every file of the fixture from `modelDir` and returns one result per output. */
export async function checkParity(modelDir: string, fixture: ParityFixture): Promise<ParityResult[]> {
  const results: ParityResult[] = [];
  for (const [kind, spec] of Object.entries(fixture.files)) {
    const session = await createCpuSession(path.join(modelDir, `${kind}.onnx`));
    try {
      const feeds = Object.fromEntries(Object.entries(spec.inputs).map(([name, t]) => [name, tensorFromJson(t)]));
      const out = await session.run(feeds);
      for (const [name, expected] of Object.entries(spec.outputs)) {
        results.push({ file: kind, output: name, maxAbsDiff: maxAbsDiff(outputData(out, name), expected.data) });
      }
    } finally {
      await session.release();
    }
  }
  return results;
}
