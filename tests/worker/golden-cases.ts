// The golden samples shared by scripts/worker-golden.ts (writes them with the Node app),
// vitest.workers.config.ts (reads and provides them) and the Worker tests (compare).

export interface GoldenCase {
  model: string;
  version: string;
  /** The URL's class segment: a slug, or "null" for unconditional. */
  class: string;
  seed: number;
  /** Canonical guidance as the URL writes it ("1.00"). */
  guidance: string;
  /** The PNG, relative to tests/worker/golden/. */
  file: string;
  /** POST /v1/encode of that PNG with its class: bits/dim under forward.onnx (null: no F). */
  bitsPerDim: number | null;
  /** POST /v1/inpaintings of that PNG with its class, LOWER_HALF_MASK filled (null: no F). */
  inpainting: { file: string; seed: number } | null;
}

/** The inpaintings' mask: the lower half of a 28x28 image filled (255), the rest kept (0). */
export function lowerHalfMask(width: number, height: number): Uint8Array {
  return Uint8Array.from({ length: width * height }, (_, p) => (p >= (height >> 1) * width ? 255 : 0));
}

export interface ProvidedGolden extends GoldenCase {
  /** The golden PNG, base64. */
  png: string;
  /** Its inpainting's PNG, base64. */
  inpaintingPng: string | null;
}
