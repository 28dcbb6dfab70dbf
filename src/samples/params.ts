// Model-dependent request rules, checked after the schema and before any compute:
// guidance within the model's trained range (after canonical rounding) and seed choice.

import { invalidParam } from "../errors.js";
import { canonicalGuidance } from "../keys.js";
import type { ModelManifest } from "../models/manifest.js";

/** The canonical guidance to feed the model; absent means the manifest's default. */
export function resolveGuidance(manifest: ModelManifest, value: number | undefined, param = "guidance"): number {
  if (value === undefined) return canonicalGuidance(manifest.guidance.default);
  const { min, max } = manifest.guidance;
  const canonical = canonicalGuidance(value);
  if (!Number.isFinite(value) || canonical < min || canonical > max) {
    throw invalidParam(
      param,
      `${param} must be between ${min} and ${max} for model ${manifest.id} (rounded to 2 decimals); got ${value}`,
    );
  }
  return canonical;
}

/** Fills a Uint32Array with random values (crypto.getRandomValues by default). */
export type RandomSource = (target: Uint32Array) => void;

export const cryptoRandom: RandomSource = (target) => {
  crypto.getRandomValues(target);
};

/** A fresh uint32 request seed: per request, never from a module-global generator. */
export function pickSeed(random: RandomSource): number {
  const one = new Uint32Array(1);
  random(one);
  return one[0] ?? 0;
}
