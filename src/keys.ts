// Object keys of samples, derived ONLY from (model id, version, class index or null,
// seed, canonical guidance), so a key never changes meaning and never collides.
//
// Format (version 1 of the key scheme, the `v1` segment):
//   samples/v1/{model id}/{model version}/{class}/g{guidance}/{seed}.png
//     class:    the class index in decimal, or `null` for unconditional
//     guidance: the canonical guidance with exactly two decimals (`g1.00`, `g0.25`)
//     seed:     the sample's own uint32 seed in decimal, no leading zeros
// Example: samples/v1/fmnist-biflow-s/1.0.0/7/g1.00/12345.png
// Model ids and versions are restricted by the manifest schema to [A-Za-z0-9._-].

export interface SampleId {
  modelId: string;
  version: string;
  /** Index into the manifest's classes, or null for unconditional. */
  classIndex: number | null;
  /** The sample's own seed (already offset by its position in the request). */
  seed: number;
  /** Canonical guidance (see canonicalGuidance). */
  guidance: number;
}

export const KEY_SCHEME = "v1";

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

export function sampleKey(id: SampleId): string {
  if (!Number.isInteger(id.seed) || id.seed < 0 || id.seed > 0xffffffff) {
    throw new RangeError(`seed must be a uint32, got ${id.seed}`);
  }
  if (id.classIndex !== null && (!Number.isInteger(id.classIndex) || id.classIndex < 0)) {
    throw new RangeError(`class index must be a non-negative integer or null, got ${id.classIndex}`);
  }
  const cls = id.classIndex === null ? "null" : String(id.classIndex);
  return `samples/${KEY_SCHEME}/${id.modelId}/${id.version}/${cls}/g${formatGuidance(id.guidance)}/${id.seed}.png`;
}
