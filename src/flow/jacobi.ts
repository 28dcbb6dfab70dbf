// F's inverse by Jacobi (parallel fixed-point) iteration through jacobi_step.onnx (issue 16):
// each run updates every token of one block at once; K runs per block instead of tokens-1
// sequential steps. Early stop is decided per image, never per batch (an image's bytes never
// depend on its batch mates), and the iterations each image really ran are returned.

import { inversionOrder, type InverseInputs } from "./exact.js";
import { floatFeed, int64Feed, output, type Decoding, type RunStep } from "./step.js";

export interface JacobiPlan {
  /** Iterations of each block, block 0 first (blocks run last to first, as F's inverse does). */
  iterations: readonly number[];
  /** Stop an image's block early once an update moves no value by more than this; null: never. */
  tolerance: number | null;
}

export interface JacobiResult {
  /** The (noisy) images [N,C,H,W]. */
  images: Float32Array;
  /** Per image, the iterations it ran in each block (block 0 first). */
  iterations: number[][];
}

/**
 * Noise z [N,C,H,W] -> F^-1(z) approximated by plan.iterations[b] Jacobi updates of each
 * block b, each from the start x = z of that block: after k updates tokens 0..k of the
 * block's order are exact, so tokens - 1 updates per block is the exact inverse.
 */
export async function jacobiInverse(
  run: RunStep,
  input: InverseInputs,
  dec: Decoding,
  plan: JacobiPlan,
): Promise<JacobiResult> {
  const n = input.classes.length;
  const { channels, height, width } = input.image;
  const size = channels * height * width;
  const dims = [n, channels, height, width];
  if (plan.iterations.length !== dec.blocks) {
    throw new RangeError(`a Jacobi plan needs ${dec.blocks} block counts, got ${plan.iterations.length}`);
  }
  const classes = int64Feed(input.classes);
  const guidance = floatFeed(Float32Array.from(input.guidance), [n]);
  const iterations = Array.from({ length: n }, () => new Array<number>(dec.blocks).fill(0));
  let z = input.z;
  for (const b of inversionOrder(input, dec.blocks)) {
    const x = z.slice();
    const active = new Array<boolean>(n).fill(true);
    for (let it = 0; it < (plan.iterations[b] ?? 0) && active.includes(true); it++) {
      const out = await run({
        block: int64Feed([b], []),
        x: floatFeed(x.slice(), dims),
        z: floatFeed(z, dims),
        class: classes,
        guidance,
      });
      const next = output(out, "x_next").data;
      for (let i = 0; i < n; i++) {
        if (active[i] !== true) continue;
        let delta = 0;
        for (let j = i * size; j < (i + 1) * size; j++) {
          delta = Math.max(delta, Math.abs((next[j] ?? 0) - (x[j] ?? 0)));
          x[j] = next[j] ?? 0;
        }
        const done = iterations[i];
        if (done !== undefined) done[b] = (done[b] ?? 0) + 1;
        if (plan.tolerance !== null && delta < plan.tolerance) active[i] = false;
      }
    }
    z = x;
  }
  return { images: z, iterations };
}

/** A schedule as the URL gives it (one count, or one per block) spelled out per block. */
export function perBlock(iterations: readonly number[], blocks: number): number[] {
  const [first] = iterations;
  if (iterations.length === 1 && first !== undefined) return new Array<number>(blocks).fill(first);
  return [...iterations];
}
