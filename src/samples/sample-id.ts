// A sample's identity (model, version, variant, class, seed, guidance, sampler) and the
// rules every form of it shares: the key scheme (sample-key.ts), the canonical URL
// (sample-path.ts) and the URL parsers (sample-url-parser.ts, composites.ts).

import { UINT32_MAX } from "../limits.js";

/** How an image is drawn from the model: G's one pass, F's exact inverse, or Jacobi iteration of F's inverse. */
export type SamplerSpec =
  | { kind: "g" }
  | { kind: "exact" }
  | {
      kind: "jacobi";
      /** Iterations per flow block, in block order; one entry means the same for every block. */
      iterations: readonly number[];
      /** Per-image early stop when an update moves less than this; null: none. */
      tolerance: number | null;
    };

export const DEFAULT_SAMPLER: SamplerSpec = { kind: "g" };
export const SAMPLER_KINDS = ["g", "exact", "jacobi"] as const;

export interface SampleId {
  modelId: string;
  version: string;
  /** A variant of the version's weights (e.g. `int8`); null or absent: the manifest's own files. */
  variant?: string | null;
  /** Index into the manifest's classes, or null for unconditional. */
  classIndex: number | null;
  /** The sample's own seed (already offset by its position in the request). */
  seed: number;
  /** Canonical guidance (see canonicalGuidance). */
  guidance: number;
  /** Absent: the default sampler, G's one pass. */
  sampler?: SamplerSpec;
}

/** Model ids and versions (manifest schema): so `@` and `+` separate them unambiguously. */
export const NAME_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const VARIANT = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MAX_ITERATIONS = 4096;
export const MAX_BLOCKS = 64;

/**
 * Guidance rounded to two decimals: the value fed to the model, so that a key (and a URL)
 * means exactly what was computed. 1.004 and 1.0 name the same image; 1.01 another.
 */
export function canonicalGuidance(w: number): number {
  // `+ 0` turns -0 into 0 so it prints as "0.00".
  return Math.round(w * 100) / 100 + 0;
}

export function formatGuidance(w: number): string {
  return canonicalGuidance(w).toFixed(2);
}

/** The shortest decimal text that reads back as the same number ("0.001", "1e-7"). */
export function formatTolerance(t: number): string {
  return String(t);
}

/** A Jacobi schedule whose blocks all get the same count is written as that one count. */
export function canonicalSampler(spec: SamplerSpec | undefined): SamplerSpec {
  if (spec === undefined || spec.kind !== "jacobi") return spec ?? DEFAULT_SAMPLER;
  const [first] = spec.iterations;
  const uniform = first !== undefined && spec.iterations.every((k) => k === first);
  return { kind: "jacobi", iterations: uniform ? [first] : [...spec.iterations], tolerance: spec.tolerance };
}

/** Throws RangeError unless the model id and version are name segments and every seed a uint32. */
export function checkModelAndSeeds(modelId: string, version: string, seeds: readonly number[]): void {
  if (!NAME_SEGMENT.test(modelId) || !NAME_SEGMENT.test(version)) {
    throw new RangeError(`model id and version must be [A-Za-z0-9._-] segments: ${modelId}@${version}`);
  }
  for (const seed of seeds) {
    if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) {
      throw new RangeError(`seed must be a uint32, got ${seed}`);
    }
  }
}

/** Throws RangeError unless the class index is a non-negative integer or null. */
export function checkClassIndex(classIndex: number | null): void {
  if (classIndex !== null && (!Number.isInteger(classIndex) || classIndex < 0)) {
    throw new RangeError(`class index must be a non-negative integer or null, got ${classIndex}`);
  }
}

/** Throws RangeError on an identity no key or URL may name. */
export function checkId(id: SampleId): void {
  checkModelAndSeeds(id.modelId, id.version, [id.seed]);
  checkClassIndex(id.classIndex);
  const variant = id.variant ?? null;
  if (variant !== null && !VARIANT.test(variant)) throw new RangeError(`bad variant ${variant}`);
  const sampler = id.sampler;
  if (sampler?.kind === "jacobi") {
    const ok = (k: number) => Number.isInteger(k) && k >= 1 && k <= MAX_ITERATIONS;
    if (sampler.iterations.length === 0 || sampler.iterations.length > MAX_BLOCKS || !sampler.iterations.every(ok)) {
      throw new RangeError(`jacobi iterations must be 1..${MAX_BLOCKS} integers in 1..${MAX_ITERATIONS}`);
    }
    if (sampler.tolerance !== null && !(sampler.tolerance > 0 && Number.isFinite(sampler.tolerance))) {
      throw new RangeError(`jacobi tolerance must be a positive number or null, got ${sampler.tolerance}`);
    }
  }
}
