// Models: manifest validation, class resolution by index, name, slug or null, and file
// loading checked against the manifest's size and sha256.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classLabel, classNameProblems, resolveClass, slugify } from "../../src/models/classes.js";
import { ManifestError, parseManifest, type ModelManifest } from "../../src/models/manifest.js";
import { createModelEntry, createModelRegistry, ModelFileError } from "../../src/models/registry.js";
import { ApiError } from "../../src/errors.js";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";

const dir = path.join(FIXTURE_MODELS_DIR, "tiny-biflow");
const rawManifest = async (): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
const read = async (file: string) => new Uint8Array(await readFile(path.join(dir, file)));

describe("parseManifest", () => {
  it("accepts the fixture manifest and keeps unknown fields", async () => {
    const m = parseManifest({ ...(await rawManifest()), future_field: 1 }, "fixture");
    expect(m.id).toBe("tiny-biflow");
    expect(m.null_class).toBe(10);
    expect((m as Record<string, unknown>).future_field).toBe(1);
  });

  it.each([
    ["id with a slash", { id: "a/b" }, /id:/],
    ["null_class not K", { null_class: 3 }, /null_class must equal the number of classes/],
    ["guidance default outside range", { guidance: { min: 0, max: 1, default: 2 } }, /guidance: min <= default <= max/],
    ["unknown placement", { placements: ["moon"] }, /placements\.0/],
    [
      "file path escaping the folder",
      { files: { reverse: { path: "../x.onnx", sha256: "0".repeat(64), bytes: 1 } } },
      /files\.reverse\.path/,
    ],
  ])("rejects %s", async (_, patch, message) => {
    const full = { ...(await rawManifest()), ...patch };
    expect(() => parseManifest(full, "fixture")).toThrow(ManifestError);
    expect(() => parseManifest(full, "fixture")).toThrow(message);
  });
});

async function manifest(): Promise<ModelManifest> {
  return parseManifest(await rawManifest(), "fixture");
}

describe("classes", () => {
  it("slugifies class names", () => {
    expect(["T-shirt/top", "Ankle boot", "  Bag "].map(slugify)).toEqual(["t-shirt-top", "ankle-boot", "bag"]);
  });

  it("resolves indexes, names, slugs and the null class", async () => {
    const m = await manifest();
    expect([0, "0", "Trouser", "ankle BOOT", "ankle-boot", 9].map((v) => resolveClass(m, v))).toEqual([
      0, 0, 1, 9, 9, 9,
    ]);
    expect([null, undefined, 10, "null", "None", "unconditional"].map((v) => resolveClass(m, v))).toEqual(
      Array(6).fill(null),
    );
    expect(classLabel(m, 0)).toBe("t-shirt-top");
    expect(classLabel(m, null)).toBe("null");
  });

  it("throws invalid_request naming the parameter", async () => {
    const m = await manifest();
    for (const bad of [-1, 11, 1.5, "hat", "99"]) {
      let error: unknown;
      try {
        resolveClass(m, bad);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).param).toBe("class");
      expect((error as ApiError).status).toBe(400);
    }
  });

  it("finds names that cannot make unambiguous URLs", () => {
    expect(classNameProblems(["Cat", "cat!", "7", "None", "Dog"])).toEqual([
      'classes "Cat" and "cat!" share the slug "cat"',
      'class "7" has no usable slug ("7")',
      'class "None" has no usable slug ("none")',
    ]);
  });
});

describe("model registry", () => {
  it("loads files that match the manifest", async () => {
    const entry = createModelEntry(await manifest(), read);
    expect(entry.ref).toBe("tiny-biflow@0.0.1-fixture");
    expect((await entry.loadFile("reverse")).length).toBe((await manifest()).files.reverse.bytes);
    expect(entry.hasFile("forward")).toBe(true);
    expect(entry.hasFile("decode_step")).toBe(false);
    await expect(entry.loadFile("decode_step")).rejects.toThrow(ModelFileError);
  });

  it("refuses altered or resized files", async () => {
    const tampered = createModelEntry(await manifest(), async (file) => {
      const bytes = await read(file);
      bytes[100] = (bytes[100] ?? 0) ^ 1;
      return bytes;
    });
    await expect(tampered.loadFile("reverse")).rejects.toThrow(/sha256 .* does not match/);
    const truncated = createModelEntry(await manifest(), async (file) => (await read(file)).subarray(1));
    await expect(truncated.loadFile("reverse")).rejects.toThrow(/bytes, manifest says/);
  });

  it("refuses duplicate ids and class names without usable slugs", async () => {
    const m = await manifest();
    const entry = createModelEntry(m, read);
    expect(() => createModelRegistry([entry, entry])).toThrow(/duplicate model id/);
    expect(() => createModelEntry({ ...m, classes: ["A", "a", ...m.classes.slice(2)] }, read)).toThrow(ManifestError);
    expect(createModelRegistry([entry]).get("tiny-biflow")).toBe(entry);
  });
});
