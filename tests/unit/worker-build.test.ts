// The Worker's build helpers: which model files are bundled (reverse before forward, smallest
// first, within the compressed-size budget) and which are read from R2, the generated module,
// and the MODELS bucket name read from wrangler.toml.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assignToBundle, renderModule } from "../../scripts/worker-models.js";
import { modelsBucketName } from "../../scripts/worker-upload-models.js";
import { ROOT } from "../helpers/fixtures.js";

function model(folder: string, reverse: number, forward?: number) {
  const gzipBytes: Record<string, number> = { "reverse.onnx": reverse };
  if (forward !== undefined) gzipBytes["forward.onnx"] = forward;
  return { folder, files: Object.keys(gzipBytes), gzipBytes };
}

describe("assignToBundle", () => {
  it("bundles the smallest files while they fit and sends the rest to R2, keeping folder order", () => {
    const plan = assignToBundle([model("big", 7_000), model("small", 100), model("mid", 3_000)], 4_000);
    expect(plan.map((m) => [m.folder, m.bundled, m.inR2])).toEqual([
      ["big", [], ["reverse.onnx"]],
      ["small", ["reverse.onnx"], []],
      ["mid", ["reverse.onnx"], []],
    ]);
  });

  it("bundles every reverse.onnx before any forward.onnx", () => {
    const plan = assignToBundle([model("a", 2_000, 500), model("b", 2_000, 500)], 4_500);
    expect(plan.map((m) => [m.folder, m.bundled, m.inR2])).toEqual([
      ["a", ["reverse.onnx", "forward.onnx"], []],
      ["b", ["reverse.onnx"], ["forward.onnx"]],
    ]);
  });

  it("a zero budget puts every file in R2", () => {
    expect(assignToBundle([model("a", 1, 1)], 0)[0]?.inR2).toEqual(["reverse.onnx", "forward.onnx"]);
  });
});

describe("renderModule", () => {
  it("imports bundled files as modules and lists R2 files by path", () => {
    const text = renderModule([
      { folder: "a", bundled: ["reverse.onnx"], inR2: [], gzipBytes: {} },
      { folder: "b", bundled: [], inR2: ["reverse.onnx"], gzipBytes: {} },
    ]);
    expect(text).toContain('import model0File0 from "../models/a/reverse.onnx";');
    expect(text).toContain('import model1Manifest from "../models/b/manifest.json" with { type: "json" };');
    expect(text).not.toContain("../models/b/reverse.onnx");
    expect(text).toMatch(
      /folder: "b",\n {4}manifest: model1Manifest,\n {4}files: \{\},\n {4}r2Files: \["reverse.onnx"\],/,
    );
  });
});

describe("modelsBucketName", () => {
  it("reads the MODELS bucket of wrangler.toml", async () => {
    expect(modelsBucketName(await readFile(path.join(ROOT, "wrangler.toml"), "utf8"))).toBe("biflow-models");
  });

  it("skips other buckets and fails without a MODELS one", () => {
    const other = '[[r2_buckets]]\nbinding = "SAMPLES"\nbucket_name = "s"\n';
    expect(modelsBucketName(`${other}\n[[r2_buckets]]\nbinding = "MODELS"\nbucket_name = "m"\n`)).toBe("m");
    expect(() => modelsBucketName(other)).toThrow(/no \[\[r2_buckets\]\] with binding = "MODELS"/);
  });
});
