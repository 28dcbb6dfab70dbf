// The one interface every sampler implements (in-process WASM, the GPU backend pool; the
// browser later): the router depends on this, never on an implementation.

import type { ModelEntry } from "./models/registry.js";

export interface SampleBatch {
  model: ModelEntry;
  /** The model's class input: an index 0..K-1, or the manifest's null_class. */
  classInput: number;
  /** One image per seed, in this order; each seed fills z per src/noise/gaussian.ts. */
  seeds: readonly number[];
  /** Canonical guidance, fed to the model as is. */
  guidance: number;
  /** Aborted when the caller gives up (deadline): work not yet started is dropped. */
  signal?: AbortSignal;
  /** The X-Request-Id of the request that asked for it (forwarded to GPU backends). */
  requestId?: string;
}

export interface SampledImage {
  seed: number;
  /** The encoded PNG, ready to store and serve. */
  png: Uint8Array;
  /** True when the sampler already wrote it to the object store under its sample key. */
  stored?: boolean;
}

export interface SamplerHealth {
  ok: boolean;
  detail: string;
}

export interface Sampler {
  readonly name: string;
  /** Whether this sampler should take this batch (placement, batch size). */
  accepts(model: ModelEntry, count: number): boolean;
  /** Computes one PNG per seed, in order. */
  sample(batch: SampleBatch): Promise<SampledImage[]>;
  health(): Promise<SamplerHealth>;
}

/** Picks the sampler for a batch, or undefined when none can take it now. */
export type ChooseSampler = (model: ModelEntry, count: number) => Sampler | undefined;

/** The default policy: the first sampler, in the configured order, that accepts the batch. */
export function pickSampler(samplers: readonly Sampler[], model: ModelEntry, count: number): Sampler | undefined {
  return samplers.find((s) => s.accepts(model, count));
}
