// F's exact and Jacobi inverses (src/flow) on the shipped model's ONNX files, on float
// tensors: forward.onnx is the independent check (F(exact(z)) = z), the exact decoder is the
// reference Jacobi converges to (token t exact after t updates; tokens updates = exact), and
// Jacobi's error against exact falls with the iteration count on a fixed set of seeds.

import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { ortStepRunner } from "../../engine/onnx/step-runner.js";
import { exactInverse, type InverseInputs } from "../../src/flow/exact.js";
import { jacobiInverse, perBlock } from "../../src/flow/jacobi.js";
import { exactDecoding, jacobiDecoding, type Decoding, type ExactDecoding, type RunStep } from "../../src/flow/step.js";
import { patchify } from "../../src/flow/tokens.js";
import { parseManifest, type ModelManifest } from "../../src/models/manifest.js";
import { fillStandardNormal } from "../../src/noise/gaussian.js";
import { toByte } from "../../src/png/tensor.js";
import { ROOT } from "../helpers/fixtures.js";

// The shipped model (its version is read from the manifest, never assumed).
const DIR = path.join(ROOT, "models", "fmnist-biflow-s");
/** F(exact(z)) against z: float32 decoding of 8 blocks x 48 steps, measured 6.6e-6. */
const ROUND_TRIP_TOLERANCE = 1e-4;

let manifest: ModelManifest;
let exact: ExactDecoding;
let jacobi: Decoding;
let decode: RunStep;
let step: RunStep;
let forward: ort.InferenceSession;

const session = (file: string) =>
  ort.InferenceSession.create(path.join(DIR, file), { executionProviders: ["cpu"], intraOpNumThreads: 1 });

beforeAll(async () => {
  manifest = parseManifest(JSON.parse(await readFile(path.join(DIR, "manifest.json"), "utf8")), DIR);
  const e = exactDecoding(manifest);
  const j = jacobiDecoding(manifest);
  if (e === undefined || j === undefined) throw new Error("the shipped model lacks decode_step or jacobi_step");
  [exact, jacobi] = [e, j];
  decode = ortStepRunner(await session("decode_step.onnx"));
  step = ortStepRunner(await session("jacobi_step.onnx"));
  forward = await session("forward.onnx");
});

function inputs(seeds: number[], classes: number[], guidance: number[], blocks?: number[]): InverseInputs {
  const size = manifest.image.channels * manifest.image.height * manifest.image.width;
  const z = new Float32Array(seeds.length * size);
  seeds.forEach((s, i) => fillStandardNormal(z, s, i * size, size));
  return { z, classes, guidance, nullClass: manifest.null_class, image: manifest.image, ...(blocks ? { blocks } : {}) };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

function meanAbs(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}

describe("F's exact inverse (decode_step.onnx)", () => {
  it("is inverted by forward.onnx: F(exact(z)) recovers z", async () => {
    const classes = [0, 7, manifest.null_class];
    const input = inputs([1, 2, 3], classes, [0, 0, 0]);
    const x = await exactInverse(decode, input, exact);
    const n = classes.length;
    const { channels, height, width } = manifest.image;
    const out = await forward.run({
      image: new ort.Tensor("float32", x, [n, channels, height, width]),
      class: new ort.Tensor("int64", BigInt64Array.from(classes, BigInt), [n]),
    });
    const z = out["z"]?.data as Float32Array;
    expect(maxAbs(z, input.z)).toBeLessThan(ROUND_TRIP_TOLERANCE);
    // The inverse is not the identity: x is far from z.
    expect(maxAbs(x, input.z)).toBeGreaterThan(0.5);
  });
});

describe("Jacobi decoding (jacobi_step.onnx)", () => {
  it("makes tokens 0..k of a block exact after k updates (each block order, guided)", async () => {
    const { tokens: T, token_dim: D, patch } = jacobi;
    const n = 2;
    for (const block of [jacobi.blocks - 1, jacobi.blocks - 2]) {
      const base = inputs([5, 6], [3, manifest.null_class], [1.5, 0], [block]);
      const want = patchify(await exactInverse(decode, base, exact), n, manifest.image, patch);
      const reversed = jacobi.block_token_order[block] === "reversed";
      for (const k of [1, 2, 5, 12]) {
        const got = patchify(
          (await jacobiInverse(step, base, jacobi, { iterations: perBlock([k], jacobi.blocks), tolerance: null }))
            .images,
          n,
          manifest.image,
          patch,
        );
        // Error per token position in the block's own order, over both images.
        const err = Array.from({ length: T }, (_, t) => {
          const c = reversed ? T - 1 - t : t;
          let m = 0;
          for (let i = 0; i < n; i++)
            for (let j = 0; j < D; j++) {
              const at = (i * T + c) * D + j;
              m = Math.max(m, Math.abs((got[at] ?? 0) - (want[at] ?? 0)));
            }
          return m;
        });
        expect(Math.max(...err.slice(0, k + 1)), `block ${block}, k ${k}`).toBeLessThan(1e-4);
        // ...and, after one or two updates, not yet the rest: a wrong token order would show.
        // (Later ones converge ahead of the guarantee: that is why Jacobi pays off.)
        if (k <= 2) expect(Math.max(...err.slice(k + 1)), `block ${block}, k ${k}`).toBeGreaterThan(1e-3);
      }
    }
  });

  it("with iterations = tokens per block equals exact decoding within 2/255 (and in floats within 1e-4)", async () => {
    const input = inputs([7, 8], [1, 9], [manifest.guidance.default, 0]);
    const want = await exactInverse(decode, input, exact);
    const { images, iterations } = await jacobiInverse(step, input, jacobi, {
      iterations: perBlock([jacobi.tokens], jacobi.blocks),
      tolerance: null,
    });
    expect(iterations).toEqual([perBlock([jacobi.tokens], jacobi.blocks), perBlock([jacobi.tokens], jacobi.blocks)]);
    expect(maxAbs(images, want)).toBeLessThan(1e-4);
    const bytes = (x: Float32Array) => Array.from(x, toByte);
    const [a, b] = [bytes(images), bytes(want)];
    expect(Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? 0))))).toBeLessThanOrEqual(2);
  });

  it("gets closer to exact decoding as K grows, on a fixed set of seeds", async () => {
    const seeds = [10, 11, 12, 13, 14, 15, 16, 17];
    const input = inputs(seeds, seeds.map((s) => s % 10), seeds.map(() => manifest.guidance.default));
    const want = await exactInverse(decode, input, exact);
    const errors: number[] = [];
    for (const k of [1, 2, 4, 8, 16]) {
      const got = await jacobiInverse(step, input, jacobi, { iterations: perBlock([k], jacobi.blocks), tolerance: null });
      errors.push(meanAbs(got.images, want));
    }
    // Measured mean |error| on [-1, 1] pixels, K = 1..16: about 0.58, 0.36, 0.17, 0.04, 0.0003.
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan((errors[i - 1] ?? 0) * 0.8);
    expect(errors.at(-1)).toBeLessThan(0.01);
  });

  it("stops an image early at a tolerance, on its own (its bytes never depend on its batch mates)", async () => {
    const plan = { iterations: perBlock([16], jacobi.blocks), tolerance: 1e-3 };
    const both = await jacobiInverse(step, inputs([20, 21], [2, 4], [0.5, 0.5]), jacobi, plan);
    const alone = await jacobiInverse(step, inputs([21], [4], [0.5]), jacobi, plan);
    const size = manifest.image.channels * manifest.image.height * manifest.image.width;
    expect(both.iterations[1]).toEqual(alone.iterations[0]);
    expect(maxAbs(both.images.subarray(size), alone.images)).toBeLessThan(1e-5);
    // Some block stopped before its 16 (the tolerance did something).
    expect(alone.iterations[0]?.some((k) => k < 16)).toBe(true);
  });
});
