// The WASM sampler on Node running the fixture reverse.onnx through onnxruntime-web:
// PNG shape and range, determinism (same seed, same bytes, in any batch), the noise fed
// per seed, class and guidance as inputs, and the model contract check.

import { beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import type { ModelEntry, ModelRegistry } from "../../src/models/registry.js";
import { standardNormal } from "../../src/noise/gaussian.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { ModelContractError, WasmSampler } from "../../src/onnx/wasm-sampler.js";
import { decodePng } from "../../src/png/decode.js";
import { toByte } from "../../src/png/tensor.js";
import { fixtureRegistry } from "../helpers/fixtures.js";

let registry: ModelRegistry;
let sampler: WasmSampler;
let runtime: OrtRuntime;

function model(id: string): ModelEntry {
  const entry = registry.get(id);
  if (entry === undefined) throw new Error(`no fixture ${id}`);
  return entry;
}

beforeAll(async () => {
  registry = await fixtureRegistry();
  runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  sampler = new WasmSampler({ runtime });
  expect(await sampler.health()).toEqual({ ok: true, detail: "onnxruntime-web idle, 0 session(s)" });
  await sampler.warmUp(registry.list());
});

describe("WasmSampler", () => {
  it("creates one session per model and reports healthy", async () => {
    expect(runtime.sessionCount).toBe(2);
    expect(await sampler.health()).toEqual({ ok: true, detail: "onnxruntime-web ready, 2 session(s)" });
  });

  it("returns one 28x28 greyscale PNG per seed, in order", async () => {
    const images = await sampler.sample({ model: model("tiny-biflow"), classInput: 7, seeds: [3, 1, 2], guidance: 1 });
    expect(images.map((i) => i.seed)).toEqual([3, 1, 2]);
    for (const image of images) {
      const png = await decodePng(image.png);
      expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
      expect(new Set(png.pixels).size).toBeGreaterThan(20); // not a flat image
    }
  });

  it("is deterministic: same seed, identical bytes, whatever the batch", async () => {
    const m = model("tiny-biflow");
    const alone = await sampler.sample({ model: m, classInput: 2, seeds: [5], guidance: 0.5 });
    const inBatch = await sampler.sample({ model: m, classInput: 2, seeds: [4, 5, 6], guidance: 0.5 });
    const again = await sampler.sample({ model: m, classInput: 2, seeds: [5], guidance: 0.5 });
    expect(inBatch[1]?.png).toEqual(alone[0]?.png);
    expect(again[0]?.png).toEqual(alone[0]?.png);
    expect(inBatch[0]?.png).not.toEqual(alone[0]?.png);
  });

  it("feeds each sample the noise of its own seed (unconditional image = tanh(z / 2))", async () => {
    // The fixture's null-class embedding is zero, so its output is tanh(0.5 * z) exactly.
    const [image] = await sampler.sample({ model: model("tiny-biflow"), classInput: 10, seeds: [1234], guidance: 3 });
    const png = await decodePng(image?.png ?? new Uint8Array());
    const expected = Array.from(standardNormal(1234, 784), (z) => toByte(Math.tanh(0.5 * z)));
    const diffs = Array.from(png.pixels, (p, i) => Math.abs(p - (expected[i] ?? -99)));
    // float32 tanh in ORT against float64 here: a value on a rounding edge may move by one.
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1);
    expect(diffs.filter((d) => d === 0).length).toBeGreaterThan(770);
  });

  it("passes class and guidance to the model", async () => {
    const m = model("tiny-biflow");
    const run = async (classInput: number, guidance: number) =>
      (await sampler.sample({ model: m, classInput, seeds: [9], guidance }))[0]?.png;
    const base = await run(1, 1);
    expect(await run(2, 1)).not.toEqual(base);
    expect(await run(1, 2)).not.toEqual(base);
  });

  it("writes RGB PNGs for 3-channel models", async () => {
    const [image] = await sampler.sample({ model: model("tiny-rgb"), classInput: 0, seeds: [1], guidance: 1 });
    const png = await decodePng(image?.png ?? new Uint8Array());
    expect([png.width, png.height, png.channels, png.pixels.length]).toEqual([8, 8, 3, 192]);
  });

  it("accepts edge models up to its batch limit only", () => {
    const m = model("tiny-biflow");
    expect(sampler.accepts(m, 64)).toBe(true);
    expect(sampler.accepts(m, 65)).toBe(false);
    const gpuOnly = { ...m, manifest: { ...m.manifest, placements: ["gpu" as const] } };
    expect(sampler.accepts(gpuOnly, 1)).toBe(false);
  });

  it("refuses a model whose reverse.onnx breaks the contract", async () => {
    const m = model("tiny-biflow");
    // forward.onnx takes (image, class): not a reverse model.
    const wrong: ModelEntry = { ...m, ref: "wrong@1", loadFile: () => m.loadFile("forward") };
    await expect(sampler.sample({ model: wrong, classInput: 0, seeds: [1], guidance: 1 })).rejects.toThrow(
      ModelContractError,
    );
  });
});
