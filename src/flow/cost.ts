// What one image costs under each sampler, in units of one G pass (one image of the default
// sampler): the one table that rate limits, image budgets and the routing policy weigh by.
// Measured with onnxruntime-node CPU at batch 1 on fmnist-biflow-s (docs/samplers.md).

import type { SamplerSpec } from "../samples/canonical.js";
import type { ModelManifest } from "../models/manifest.js";
import type { SamplerKind } from "./samplers.js";
import { jacobiDecoding } from "./step.js";

/** F's exact inverse: 384 sequential decode steps, measured 36x G's time per image at batch 1 (87 vs 2.4 ms). */
export const EXACT_COST = 36;
/** One Jacobi update of one block (all 49 tokens, conditional and unconditional rows): 0.64 ms, a quarter of G's pass. */
export const JACOBI_BLOCK_UPDATE_COST = 0.25;

/** A default-schedule Jacobi image (21 block updates, 13.4 ms: 5.5 G passes). */
export const JACOBI_TYPICAL_COST = 6;

/** Cost of one image, at least 1, a whole number (budgets count whole images). */
export function samplerCost(spec: SamplerSpec | undefined, blocks = 1): number {
  if (spec === undefined || spec.kind === "g") return 1;
  if (spec.kind === "exact") return EXACT_COST;
  const [first = 1] = spec.iterations;
  const total = spec.iterations.length === 1 ? first * blocks : spec.iterations.reduce((a, b) => a + b, 0);
  return Math.max(1, Math.ceil(total * JACOBI_BLOCK_UPDATE_COST));
}

/** A kind's typical cost (Jacobi at its usual schedules), for routing before a schedule is known. */
export function kindCost(kind: SamplerKind): number {
  return kind === "g" ? 1 : kind === "exact" ? EXACT_COST : JACOBI_TYPICAL_COST;
}

/** What one image of this model under this sampler weighs in rate limits and image budgets. */
export function imageCost(manifest: ModelManifest, spec: SamplerSpec | undefined): number {
  return samplerCost(spec, jacobiDecoding(manifest)?.blocks ?? 1);
}
