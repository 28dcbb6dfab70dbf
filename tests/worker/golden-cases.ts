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
}

export interface ProvidedGolden extends GoldenCase {
  /** The golden PNG, base64. */
  png: string;
}
