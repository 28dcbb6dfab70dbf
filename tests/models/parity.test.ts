// Every shipped model's ONNX files agree with PyTorch: the parity fixtures written by
// models/train/export.py are replayed through onnxruntime-node (allclose, atol = rtol = 1e-4).

import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkParity, readParityFixture } from "../../scripts/lib/parity.js";
import { ROOT } from "../helpers/fixtures.js";

const FIXTURES = path.join(ROOT, "tests/fixtures/parity");
const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".json"));

describe("ONNX parity with PyTorch", () => {
  it("has a parity fixture for the shipped model", () => {
    expect(files).toContain("fmnist-biflow-s.json");
  });

  it.each(files)("%s: every output within tolerance", async (file) => {
    const fixture = await readParityFixture(path.join(FIXTURES, file));
    const results = await checkParity(path.join(ROOT, "models", fixture.model), fixture);
    expect(results.map((r) => `${r.file}.${r.output}`).sort()).toEqual(
      ["decode_step.k_cache_out", "decode_step.log_scale", "decode_step.mu", "decode_step.v_cache_out",
        "forward.logdet", "forward.z", "jacobi_step.x_next", "reverse.image"],
    );
    for (const r of results) {
      expect(r.maxScaledDiff, `${r.file}.${r.output}`).toBeLessThanOrEqual(fixture.tolerance);
    }
  });
});
