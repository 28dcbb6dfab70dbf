// The interface of the data-to-noise direction (BiFlow's forward model F): images in,
// their noise z and log-determinant out. Routes depend on it, not on a runtime.

import type { ModelEntry } from "./models/registry.js";

export interface EncodeBatch {
  model: ModelEntry;
  /** The model's class input: an index 0..K-1, or the manifest's null_class. */
  classInput: number;
  /** `count` images as float32 [count,C,H,W] in [-1,1]. */
  images: Float32Array;
  count: number;
}

export interface Encoded {
  /** The image's noise, float32 [C,H,W]. */
  z: Float32Array;
  /** log |det dz/dx| in nats. */
  logdet: number;
}

export interface Encoder {
  readonly name: string;
  accepts(model: ModelEntry): boolean;
  encode(batch: EncodeBatch): Promise<Encoded[]>;
}
