// The committed fixture models are exactly what their committed generator writes, so the
// script stays the source of truth (and the manifests' sha256 values stay right).

import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

const run = promisify(execFile);
// Debian's interpreter: it has python3-onnx and python3-numpy (scripts/test-all.sh installs them).
const PYTHON = "/usr/bin/python3";

describe("tests/fixtures/make_tiny_models.py", () => {
  it("regenerates the committed fixture models byte for byte", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "biflow-fixtures-"));
    try {
      await run(PYTHON, [path.join(ROOT, "tests/fixtures/make_tiny_models.py"), "--root", root]);
      const folders = ["tests/fixtures/models/tiny-biflow", "tests/fixtures/models/tiny-rgb"];
      for (const folder of folders) {
        const files = (await readdir(path.join(root, folder))).sort();
        expect(files).toEqual(["forward.onnx", "manifest.json", "reverse.onnx"]);
        for (const file of files) {
          const fresh = await readFile(path.join(root, folder, file));
          const committed = await readFile(path.join(ROOT, folder, file));
          expect(fresh.equals(committed), `${folder}/${file}`).toBe(true);
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
