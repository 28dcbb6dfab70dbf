// The bench's P3 numerator (scripts/bench/graph_flops.py: G's FLOPs counted from the ONNX
// graph by a numpy interpreter) against the closed form of G's transformer layers, computed
// here from the manifest's architecture alone: per layer, QKV 3d, output d and the MLP's 4d
// and back, over T tokens, plus the attention products 2 x T x T x d.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

const run = promisify(execFile);
const MODEL_DIR = path.join(ROOT, "models", "fmnist-biflow-s");

interface Counted {
  flops_per_image: number;
  kernels: number;
  heaviest: { m: number; k: number; n: number; count: number; flops_per_image: number }[];
}

async function count(batch: number): Promise<Counted> {
  const { stdout } = await run("/usr/bin/python3", [
    path.join(ROOT, "scripts/bench/graph_flops.py"),
    path.join(MODEL_DIR, "reverse.onnx"),
    "--batch",
    String(batch),
  ]);
  return JSON.parse(stdout) as Counted;
}

describe("G's FLOPs from the graph", () => {
  it("match the closed form of its layers, at batch 1 and per image at batch 4", async () => {
    const manifest = JSON.parse(await readFile(path.join(MODEL_DIR, "manifest.json"), "utf8")) as {
      training: { config: { tokens: number; g_width: number; g_layers: number; g_first_layers: number; f_blocks: number } };
    };
    const { tokens: T, g_width: d, g_layers, g_first_layers, f_blocks } = manifest.training.config;
    // One G block per F block (the first grown to g_first_layers) and one denoising block.
    const layers = g_first_layers + (f_blocks - 1) * g_layers + 1;
    const perLayer = 2 * T * d * (3 * d + d + 4 * d + 4 * d) + 2 * (2 * T * T * d);

    const one = await count(1);
    const shape = (m: number, k: number, n: number) => one.heaviest.find((h) => h.m === m && h.k === k && h.n === n);
    expect(shape(T, d, 4 * d)).toEqual({ m: T, k: d, n: 4 * d, count: layers, flops_per_image: 2 * T * d * 4 * d * layers });
    expect(shape(T, 4 * d, d)?.count).toBe(layers);
    expect(shape(T, d, 3 * d)?.flops_per_image).toBe(2 * T * d * 3 * d * layers);
    // The layers are nearly all of it: embeddings, conditioning and heads add under 2%.
    expect(one.flops_per_image).toBeGreaterThanOrEqual(layers * perLayer);
    expect(one.flops_per_image).toBeLessThan(layers * perLayer * 1.02);
    // FLOPs per image do not depend on the batch (guidance is an input, not a second pass).
    expect((await count(4)).flops_per_image).toBe(one.flops_per_image);
  });
});
