// The training pipeline end to end on the tiny config: F and G train a few steps from
// scratch, export to ONNX with a manifest, and the ONNX files match PyTorch.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
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
    // --anneal: the learning rate decays over the run's own budget, ending near 5% of base.
    const g = await run([train, "reverse", "--steps", "50", "--warmup", "5", "--lr", "1e-3", "--anneal",
      "--run-dir", dir]);
    expect(g).toMatch(/reverse: step 50/);
    type Row = { step: number; lr: number; event?: string; images_per_second?: number };
    const log = (await readFile(path.join(dir, "reverse.log.jsonl"), "utf8")).trim().split("\n")
      .map((line) => JSON.parse(line) as Row);
    // The run's closing row records its throughput; the rows before it track the steps.
    const end = log.at(-1);
    expect(end?.event).toBe("run_end");
    expect(end?.images_per_second).toBeGreaterThan(0);
    const last = log.filter((row) => row.event === undefined).at(-1) ?? { step: 0, lr: 0 };
    expect(last.step).toBe(50);
    expect(last.lr).toBeGreaterThan(0.04e-3);
    expect(last.lr).toBeLessThan(0.06e-3);
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
    expect(Object.keys(manifest.files).sort()).toEqual(["decode_step", "forward", "jacobi_step", "reverse"]);
    expect(manifest.training.forward.steps).toBe(15);
    expect(manifest.training.reverse.steps).toBe(50);
    const results = await checkParity(out, await readParityFixture(parityFile));
    expect(results.length).toBe(8);
    for (const r of results) expect(r.maxScaledDiff, `${r.file}.${r.output}`).toBeLessThanOrEqual(1e-4);
  });

  it("evaluates into the manifest, keeping exact-inverse scores from an earlier run of the same F", async () => {
    const out = path.join(dir, "model");
    const metricsFile = path.join(dir, "metrics.json");
    const evaluate = ["models/train/evaluate.py", "--config", "tiny", "--run-dir", dir, "--model-dir", out,
      "--out", metricsFile, "--samples", "40", "--exact-samples", "10", "--bayes-limit", "20",
      "--test-images", "100", "--threads", "1"];
    // The exact inverse needs F only: score w = 0 first, as while G would still be training.
    await run([...evaluate, "--parts", "forward", "exact", "--exact-guidance", "0"]);
    const second = await run([...evaluate, "--parts", "reverse", "exact", "--guidance", "0", "1"]);
    expect(second).not.toMatch(/exact inverse w=0\.0/); // kept from the first run
    type Scores = { class_accuracy: number; fld: number };
    const manifest = JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8")) as {
      guidance: { default: number };
      metrics: {
        forward: { bayes_classifier_images: number; test_bits_per_dim: number };
        reverse: { best_guidance: number; samples: number; guidance_grid: Record<string, Scores> };
        exact_inverse: { samples: number; forward_step: number; by_guidance: Record<string, Scores> };
      };
    };
    const { forward, reverse, exact_inverse: exact } = manifest.metrics;
    expect(forward.bayes_classifier_images).toBe(20);
    expect(Number.isFinite(forward.test_bits_per_dim)).toBe(true);
    expect(reverse.samples).toBe(40);
    expect(Object.keys(reverse.guidance_grid)).toEqual(["0.0", "1.0"]);
    expect(manifest.guidance.default).toBe(reverse.best_guidance);
    expect(exact.samples).toBe(10);
    expect(exact.forward_step).toBe(15);
    const expected = [...new Set(["0.0", `${reverse.best_guidance.toFixed(1)}`])].sort();
    expect(Object.keys(exact.by_guidance).sort()).toEqual(expected);
  });

  it("scores the samplers side by side (--parts jacobi); Jacobi with tokens - 1 updates per block is exact decoding", async () => {
    const out = path.join(dir, "model");
    const tokens = 49; // 28x28 in 4x4 patches (config tiny)
    await run(["models/train/evaluate.py", "--config", "tiny", "--run-dir", dir, "--model-dir", out,
      "--out", path.join(dir, "metrics.json"), "--parts", "jacobi", "--jacobi-samples", "10",
      "--jacobi-k", "1", String(tokens - 1), "--test-images", "100", "--threads", "1"]);
    type Row = { class_accuracy: number; fld: number; block_updates: number | null; iterations: number[] | null };
    const manifest = JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8")) as {
      guidance: { default: number };
      metrics: { jacobi: { samples: number; guidance: number; by_sampler: Record<string, Row> } };
    };
    const jacobi = manifest.metrics.jacobi;
    expect(jacobi.samples).toBe(10);
    expect(jacobi.guidance).toBe(manifest.guidance.default);
    // No default schedule was chosen for this F (jacobi_schedule.py), so no row for it.
    expect(Object.keys(jacobi.by_sampler)).toEqual(["g", "jacobi-1", `jacobi-${tokens - 1}`, "exact"]);
    const full = jacobi.by_sampler[`jacobi-${tokens - 1}`];
    const exact = jacobi.by_sampler.exact;
    expect(full?.block_updates).toBe(2 * (tokens - 1));
    // The same noise decoded exactly: the same 8-bit images (up to rounding at a pixel's edge), so the same scores.
    expect(full?.class_accuracy).toBe(exact?.class_accuracy);
    expect(full?.fld).toBeCloseTo(exact?.fld ?? NaN, 0);
    expect(jacobi.by_sampler["jacobi-1"]?.fld).not.toBeCloseTo(exact?.fld ?? NaN, 0);
  });
});

// The one command for a CUDA machine, run here on the CPU under Debian's torch 1.13: the same
// script, a few steps on `tiny`, with the perceptual and adversarial terms switched on from
// the first step so that their code runs too.
describe("gpu-train.sh (tiny config, CPU)", () => {
  let out = "";
  beforeAll(async () => {
    out = path.join(await mkdtemp(path.join(tmpdir(), "biflow-gpu-train-")), "run");
  });
  afterAll(async () => {
    await rm(path.dirname(out), { recursive: true, force: true });
  });

  function gpuTrain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["models/train/gpu-train.sh", "3", out, "tiny"], {
        cwd: ROOT,
        env: {
          ...process.env, OPENBLAS_NUM_THREADS: "1", PYTHON, STEPS: "3",
          G_SET: "perceptual_weight=0.25 adv_weight=0.1 adv_d_warmup=0 adv_ramp=1", ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      child.once("error", reject);
      child.once("exit", (code) => resolve({ code, output }));
    });
  }

  it("refuses to start without the training data, saying which file is missing", async () => {
    const { code, output } = await gpuTrain({ FASHION_MNIST_DIR: "/nonexistent" });
    expect(code).toBe(2);
    expect(output).toMatch(/\/nonexistent\/train-images-idx3-ubyte\.gz is missing/);
  });

  it("trains F then G with both new terms and leaves at most 8 files of at most 16 MiB", async () => {
    const first = await gpuTrain({});
    expect(first.code, first.output).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(["discriminator.pt", "forward.log.jsonl", "forward.pt", "forward.resume.pt",
      "gpu-train.log", "reverse.log.jsonl", "reverse.pt", "reverse.resume.pt"]);
    for (const f of files) expect((await stat(path.join(out, f))).size).toBeLessThanOrEqual(16 * 2 ** 20);
    type End = { event?: string; step: number; perceptual?: number; adv?: number; d_loss?: number };
    const ends = (await readFile(path.join(out, "reverse.log.jsonl"), "utf8")).trim().split("\n")
      .map((line) => JSON.parse(line) as End).filter((row) => row.event === "run_end");
    expect(ends.at(-1)?.step).toBe(3);
    expect(ends.at(-1)?.perceptual).toBeGreaterThan(0);
    expect(Number.isFinite(ends.at(-1)?.adv)).toBe(true);
    expect(ends.at(-1)?.d_loss).toBeGreaterThan(0); // hinge: 0 only for a perfect discriminator
    // The checkpoints to commit hold the EMA weights alone; the optimiser lives in *.resume.pt.
    const keys = await run(["-c", `import torch; print(sorted(torch.load(${JSON.stringify(
      path.join(out, "reverse.pt"))}).keys()))`]);
    expect(keys.trim()).toBe("['config', 'ema', 'extra', 'images', 'seconds', 'step']");

    // A second call with the same folder continues both runs, the discriminator included.
    const second = await gpuTrain({});
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/resuming F from step 3/);
    expect(second.output).toMatch(/discriminator resumed at its step 3/);
    expect(second.output).toMatch(/reverse: step 6/);
  });
});
