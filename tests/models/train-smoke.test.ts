// The training pipeline end to end on the tiny config: F and G train a few steps from
// scratch, export to ONNX with a manifest, and the ONNX files match PyTorch.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkParity, readParityFixture } from "../../scripts/lib/parity.js";
import { ROOT } from "../helpers/fixtures.js";

const PYTHON = "/usr/bin/python3"; // Debian's, which has python3-torch (not a pyenv one)

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, {
      cwd: ROOT,
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${args.join(" ")} exited ${code}:\n${output}`)),
    );
  });
}

describe("training pipeline (tiny config)", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "biflow-train-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("trains F, then G against F, and resumes where it stopped", async () => {
    const train = "models/train/train.py";
    await run([train, "forward", "--config", "tiny", "--steps", "10", "--warmup", "5", "--run-dir", dir]);
    const resumed = await run([train, "forward", "--steps", "5", "--run-dir", dir]);
    expect(resumed).toMatch(/resuming F from step 10/);
    expect(resumed).toMatch(/forward: step 15/);
    const g = await run([train, "reverse", "--steps", "10", "--warmup", "5", "--run-dir", dir]);
    expect(g).toMatch(/reverse: step 10/);
  });

  it("exports ONNX files that match PyTorch and a manifest that describes them", async () => {
    const out = path.join(dir, "model");
    const parityFile = path.join(dir, "parity.json");
    await run(["models/train/export.py", "--config", "tiny", "--run-dir", dir, "--out", out,
      "--id", "tiny-smoke", "--parity-out", parityFile]);
    const manifest = JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8")) as {
      id: string; null_class: number; classes: string[];
      files: Record<string, { sha256: string; bytes: number }>;
      training: { forward: { steps: number }; reverse: { steps: number } };
    };
    expect(manifest.id).toBe("tiny-smoke");
    expect(manifest.classes).toHaveLength(10);
    expect(manifest.null_class).toBe(10);
    expect(Object.keys(manifest.files).sort()).toEqual(["decode_step", "forward", "reverse"]);
    expect(manifest.training.forward.steps).toBe(15);
    expect(manifest.training.reverse.steps).toBe(10);
    const results = await checkParity(out, await readParityFixture(parityFile));
    expect(results.length).toBe(7);
    for (const r of results) expect(r.maxScaledDiff, `${r.file}.${r.output}`).toBeLessThanOrEqual(1e-4);
  });
});
