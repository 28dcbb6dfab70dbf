// Samplers resolved against a model's files (src/flow/samplers.ts), their cost weights
// (src/flow/cost.ts) and the PNG text a Jacobi sample carries (src/png/text.ts).

import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { imageCost, samplerCost } from "../../src/flow/cost.js";
import { ITERATIONS_TEXT_KEY, modelSamplers, resolveSamplerSpec } from "../../src/flow/samplers.js";
import { ApiError } from "../../src/errors.js";
import { parseManifest, type ModelManifest } from "../../src/models/manifest.js";
import { encodePng } from "../../src/png/encode.js";
import { readPngText } from "../../src/png/text.js";
import { sampleKey } from "../../src/samples/canonical.js";
import { FIXTURE_MODELS_DIR, ROOT } from "../helpers/fixtures.js";

async function manifestOf(dir: string): Promise<ModelManifest> {
  return parseManifest(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")), dir);
}

const shipped = () => manifestOf(path.join(ROOT, "models", "fmnist-biflow-s"));

function refusal(fn: () => unknown): { type: string; param: string | null } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { type: err.type, param: err.param };
  }
  throw new Error("not refused");
}

describe("resolveSamplerSpec", () => {
  it("offers exact and jacobi only where the step files are", async () => {
    const tiny = await manifestOf(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"));
    expect(modelSamplers(tiny)).toEqual(["g"]);
    expect(refusal(() => resolveSamplerSpec(tiny, { kind: "exact" }))).toEqual({
      type: "invalid_request",
      param: "sampler",
    });
    expect(modelSamplers(await shipped())).toEqual(["g", "exact", "jacobi"]);
  });

  it("fills the version's default schedule, and bounds given ones by blocks and tokens", async () => {
    const m = await shipped();
    const schedule = (m["jacobi"] as { default_iterations: number[] }).default_iterations;
    expect(schedule).toHaveLength(8);
    expect(resolveSamplerSpec(m, { kind: "jacobi", iterations: undefined, tolerance: null })).toEqual({
      kind: "jacobi",
      iterations: schedule,
      tolerance: null,
    });
    // A schedule whose blocks all get one count is written as that count.
    expect(resolveSamplerSpec(m, { kind: "jacobi", iterations: [4, 4, 4, 4, 4, 4, 4, 4], tolerance: 0.01 })).toEqual({
      kind: "jacobi",
      iterations: [4],
      tolerance: 0.01,
    });
    for (const iterations of [[1, 2, 3], [50], [0]]) {
      expect(refusal(() => resolveSamplerSpec(m, { kind: "jacobi", iterations, tolerance: null }))).toEqual({
        type: "invalid_request",
        param: "iterations",
      });
    }
    expect(resolveSamplerSpec(m, { kind: "jacobi", iterations: [49], tolerance: null })).toEqual({
      kind: "jacobi",
      iterations: [49],
      tolerance: null,
    });
  });
});

describe("sampler cost weights", () => {
  it("weighs G 1, exact 36, Jacobi a quarter per block update rounded up", async () => {
    expect(samplerCost(undefined)).toBe(1);
    expect(samplerCost({ kind: "g" })).toBe(1);
    expect(samplerCost({ kind: "exact" })).toBe(36);
    expect(samplerCost({ kind: "jacobi", iterations: [1, 1, 1, 1, 2, 3, 4, 8], tolerance: null }, 8)).toBe(6);
    // One count means every block: 49 x 8 updates.
    expect(imageCost(await shipped(), { kind: "jacobi", iterations: [49], tolerance: null })).toBe(98);
    expect(samplerCost({ kind: "jacobi", iterations: [1], tolerance: null }, 1)).toBe(1);
  });
});

describe("a sample's keys and its PNG text", () => {
  it("never shares a key between samplers of one identity", () => {
    const id = { modelId: "m", version: "1", classIndex: 3, seed: 9, guidance: 0.5 };
    const keys = [
      sampleKey(id),
      sampleKey({ ...id, sampler: { kind: "exact" } }),
      sampleKey({ ...id, sampler: { kind: "jacobi", iterations: [49], tolerance: null } }),
      sampleKey({ ...id, sampler: { kind: "jacobi", iterations: [49], tolerance: 0.001 } }),
      sampleKey({ ...id, sampler: { kind: "jacobi", iterations: [1, 1, 1, 1, 2, 3, 4, 8], tolerance: null } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("round-trips tEXt chunks through the encoder", async () => {
    const png = await encodePng({ width: 1, height: 1, channels: 1, pixels: new Uint8Array([7]) }, undefined, {
      [ITERATIONS_TEXT_KEY]: "1,2,3",
    });
    expect(readPngText(png)).toEqual({ [ITERATIONS_TEXT_KEY]: "1,2,3" });
    expect(readPngText(await encodePng({ width: 1, height: 1, channels: 1, pixels: new Uint8Array([7]) }))).toEqual({});
  });
});
