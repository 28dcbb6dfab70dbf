// The reverse model's inputs for one batch (docs/MODEL-CONTRACT.md): z from each sample's
// own seed, the class input and the guidance of each sample: the one definition used by the
// in-process WASM sampler, the Node inference engine's worker threads and the browser page.

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

/** One value for every image, or one per image (a dynamic batch mixes requests). */
export type PerImage = number | readonly number[];

function perImage(value: PerImage, n: number, name: string): number[] {
  if (typeof value === "number") return new Array<number>(n).fill(value);
  if (value.length !== n) throw new RangeError(`${name}: ${value.length} values for ${n} images`);
  return [...value];
}

/** Builds the feeds of reverse.onnx: the one definition every runtime uses. */
export function reverseInputs(
  shape: ImageShape,
  seeds: readonly number[],
  classInput: PerImage,
  guidance: PerImage,
): ReverseInputs {
  const n = seeds.length;
  const size = shape.channels * shape.height * shape.width;
  const z = new Float32Array(n * size);
  // Each image's noise comes from its own seed alone (docs/MODEL-CONTRACT.md, "Noise").
  seeds.forEach((seed, i) => fillStandardNormal(z, seed, i * size, size));
  return {
    dims: [n, shape.channels, shape.height, shape.width],
    z,
    classes: BigInt64Array.from(perImage(classInput, n, "classInput"), (c) => BigInt(c)),
    guidance: Float32Array.from(perImage(guidance, n, "guidance")),
  };
}
