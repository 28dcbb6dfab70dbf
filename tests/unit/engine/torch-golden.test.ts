// Correctness, not parity: sample URLs of the fixture models against images PyTorch made
// (tests/fixtures/torch-golden/samples.json, written by tests/fixtures/make_torch_golden.py
// with its own PCG32 + Box-Muller noise and the fixture's reverse model as a torch module,
// no code or ONNX file of the service). Both real samplers run them from the seed: the
// Node engine (onnxruntime-node in a worker thread) and the WASM sampler (onnxruntime-web).
// Tolerance: every pixel within 1/255, and only pixels the script marks as within 1e-3 of a
// rounding boundary may differ at all (float32 arithmetic may round them either way).
// The Worker goldens (tests/worker/golden/) are written by this same code and check parity
// between runtimes; these check that the code computes the model.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceEngine } from "../../../engine/engine.js";
import { nodeWasmLoading } from "../../../node/ort-wasm.js";
import { systemClock } from "../../../src/clock.js";
import { silentLogger } from "../../../src/logger.js";
import { resolveClass } from "../../../src/models/classes.js";
import type { ModelRegistry } from "../../../src/models/registry.js";
import { OrtRuntime } from "../../../src/onnx/runtime.js";
import { WasmSampler } from "../../../src/onnx/wasm-sampler.js";
import { decodePng } from "../../../src/png/decode.js";
import { fixtureRegistry, ROOT } from "../../helpers/fixtures.js";

interface TorchCase {
  model: string;
  version: string;
  class: string;
  class_index: number | null;
  seed: number;
  guidance: string;
  channels: number;
  height: number;
  width: number;
  near_boundary: number;
  pixels: number[];
}

const golden = JSON.parse(await readFile(path.join(ROOT, "tests/fixtures/torch-golden/samples.json"), "utf8")) as {
  tolerance_bytes: number;
  cases: TorchCase[];
};
/** Each case titled by its sample URL's path and query. */
const cases = golden.cases.map((c) => [`${c.model}/${c.class}/${c.seed}.png?guidance=${c.guidance}`, c] as const);

let registry: ModelRegistry;
let engine: InferenceEngine;
let sampler: WasmSampler;

function entry(c: TorchCase) {
  const model = registry.get(c.model);
  if (model === undefined || model.manifest.version !== c.version)
    throw new Error(`no fixture ${c.model}@${c.version}`);
  return model;
}

function classInput(c: TorchCase): number {
  const model = entry(c);
  return resolveClass(model.manifest, c.class === "null" ? undefined : c.class) ?? model.manifest.null_class;
}

async function compare(c: TorchCase, png: Uint8Array | undefined) {
  const raster = await decodePng(png ?? new Uint8Array());
  expect([raster.channels, raster.height, raster.width]).toEqual([c.channels, c.height, c.width]);
  let maxDiff = 0;
  let differing = 0;
  c.pixels.forEach((want, k) => {
    const diff = Math.abs(want - (raster.pixels[k] ?? -999));
    maxDiff = Math.max(maxDiff, diff);
    if (diff > 0) differing += 1;
  });
  expect(maxDiff).toBeLessThanOrEqual(golden.tolerance_bytes);
  expect(differing).toBeLessThanOrEqual(c.near_boundary);
}

beforeAll(async () => {
  registry = await fixtureRegistry();
  const models = [...new Set(golden.cases.map((c) => c.model))].map((id) => {
    const model = registry.get(id);
    if (model === undefined) throw new Error(`no fixture ${id}`);
    return model;
  });
  engine = new InferenceEngine({
    models: await Promise.all(
      models.map(async (m) => ({
        ref: m.ref,
        bytes: await m.loadFile("reverse"),
        image: m.manifest.image,
        nullClass: m.manifest.null_class,
      })),
    ),
    workers: 1,
    intraOpThreads: 1,
    providers: ["cpu"],
    maxBatch: 64,
    maxDelayMs: 0,
    maxQueue: 64,
    retryAfterSeconds: 1,
    logger: silentLogger,
    clock: systemClock,
  });
  await engine.start();
  sampler = new WasmSampler({ runtime: new OrtRuntime({ wasm: nodeWasmLoading() }) });
}, 60_000);
afterAll(() => engine.close());

describe("sample URLs against PyTorch's images of the fixture models", () => {
  it("covers both fixtures, conditional and unconditional", () => {
    expect(new Set(golden.cases.map((c) => c.model))).toEqual(new Set(["tiny-biflow", "tiny-rgb"]));
    expect(golden.cases.some((c) => c.class === "null")).toBe(true);
    expect(golden.tolerance_bytes).toBe(1);
  });

  it.each(cases)("%s: the URL's class is the script's", (_url, c) => {
    expect(classInput(c)).toBe(c.class_index ?? entry(c).manifest.null_class);
  });

  it.each(cases)("%s on the Node engine", async (_url, c) => {
    const result = await engine.submit({
      ref: entry(c).ref,
      seeds: [c.seed],
      classInput: classInput(c),
      guidance: Number(c.guidance),
      timeoutMs: 30_000,
    });
    await compare(c, result.pngs[0]);
  });

  it.each(cases)("%s on the WASM sampler", async (_url, c) => {
    const [image] = await sampler.sample({
      model: entry(c),
      classInput: classInput(c),
      seeds: [c.seed],
      guidance: Number(c.guidance),
    });
    await compare(c, image?.png);
  });
});
