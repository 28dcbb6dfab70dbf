// Replays a parity fixture written by models/train/export.py (fixed inputs and PyTorch's
// outputs) through onnxruntime-node and reports the largest difference per output.
// The check is numpy's allclose with atol = rtol = tolerance: |a - b| <= tol * max(1, |b|).
// Relative for large values because logdet sums 784 log-scales (~2e3), where one float32
// ulp is 1.2e-4, above any absolute 1e-4.

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
  /** max |a - b| / max(1, |b|): compared with the fixture's tolerance. */
  maxScaledDiff: number;
}

function maxScaledDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i] ?? 0;
    m = Math.max(m, Math.abs((actual[i] ?? 0) - b) / Math.max(1, Math.abs(b)));
  }
  return m;
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
        const actual = outputData(out, name);
        results.push({
          file: kind,
          output: name,
          maxAbsDiff: maxAbsDiff(actual, expected.data),
          maxScaledDiff: maxScaledDiff(actual, expected.data),
        });
      }
    } finally {
      await session.release();
    }
  }
  return results;
}
