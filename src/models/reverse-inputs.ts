// The reverse model's inputs for one batch (docs/MODEL-CONTRACT.md): z from each sample's
// own seed, the class input and the guidance, shared by the server's and the page's sampler.

import { fillStandardNormal } from "../noise/gaussian.js";

export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

export interface ReverseInputs {
  /** [n, C, H, W]: the dims of z and of the expected image output. */
  dims: readonly [number, number, number, number];
  /** Standard normal noise; sample i holds the values of seeds[i], row-major [C,H,W]. */
  z: Float32Array;
  /** The class input of every sample (an index, or the manifest's null_class). */
  classes: BigInt64Array;
  guidance: Float32Array;
}

/** Builds the feeds of reverse.onnx: the one definition every runtime uses. */
export function reverseInputs(
  shape: ImageShape,
  seeds: readonly number[],
  classInput: number,
  guidance: number,
): ReverseInputs {
  const n = seeds.length;
  const size = shape.channels * shape.height * shape.width;
  const z = new Float32Array(n * size);
  seeds.forEach((seed, i) => fillStandardNormal(z, seed, i * size, size));
  return {
    dims: [n, shape.channels, shape.height, shape.width],
    z,
    classes: new BigInt64Array(n).fill(BigInt(classInput)),
    guidance: new Float32Array(n).fill(guidance),
  };
}
