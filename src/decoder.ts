// The interface of G on noise the caller supplies (reconstruction G(F(x)), interpolation
// between noises, class edits; issues 12 and 26): noise in, 8-bit rasters out, by G's one
// pass or, where a decoder runs it, F's exact inverse. Routes depend on it, not on a runtime.

import type { ModelEntry } from "./models/registry.js";
import type { Raster } from "./png/format.js";

export interface DecodeBatch {
  model: ModelEntry;
  /** The model's class input: an index 0..K-1, or the manifest's null_class. */
  classInput: number;
  /** `count` noises as float32 [count,C,H,W]. */
  noise: Float32Array;
  count: number;
  /** Canonical guidance, fed to the model as is. */
  guidance: number;
  /** G's one pass (absent), or F's exact inverse on the same noise (a class edit's sampler=exact). */
  sampler?: DecodeSampler;
  /** Aborted when the caller gives up (deadline). */
  signal?: AbortSignal;
}

export type DecodeSampler = "g" | "exact";

export interface NoiseDecoder {
  readonly name: string;
  accepts(model: ModelEntry): boolean;
  /** Whether it can also run F's exact inverse on given noise for `model` (absent: G only). */
  decodesExact?(model: ModelEntry): boolean;
  /** One raster per noise, in order: exactly the pixels a PNG of G's output holds. */
  decode(batch: DecodeBatch): Promise<Raster[]>;
}

/** The first decoder that accepts the model, or undefined. */
export function pickDecoder(decoders: readonly NoiseDecoder[], model: ModelEntry): NoiseDecoder | undefined {
  return decoders.find((d) => d.accepts(model));
}
