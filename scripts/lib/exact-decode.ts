// F's exact inverse for the model tooling (model report, exact-samples for evaluation): the
// service's one implementation (src/flow/exact.ts) on an onnxruntime-node session.

import type * as ort from "onnxruntime-node";
import { ortStepRunner } from "../../engine/onnx/step-runner.js";
import { exactInverse as decode } from "../../src/flow/exact.js";
import type { CacheShape, Decoding } from "../../src/flow/step.js";
import type { ImageShape } from "../../src/flow/tokens.js";

export type { CacheShape, Decoding } from "../../src/flow/step.js";
export { patchify, unpatchify } from "../../src/flow/tokens.js";

/** Noise z [N,C,H,W] -> F^-1(z), one guidance w for every image (see src/flow/exact.ts). */
export function exactInverse(
  session: ort.InferenceSession,
  z: Float32Array,
  classes: readonly number[],
  image: ImageShape,
  dec: Decoding,
  cache: CacheShape,
  guidance = { w: 0, nullClass: 0 },
): Promise<Float32Array> {
  return decode(
    ortStepRunner(session),
    { z, classes, guidance: classes.map(() => guidance.w), nullClass: guidance.nullClass, image },
    { decoding: dec, cache },
  );
}
