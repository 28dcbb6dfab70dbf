// The one interface every sampler implements (in-process WASM, the GPU backend pool; the
// browser later): the router depends on this, never on an implementation.

import type { SamplerKind } from "./flow/samplers.js";
import type { ModelEntry } from "./models/registry.js";
import type { SamplerSpec } from "./samples/canonical.js";

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
  /**
   * How to draw the images (canonical, see src/flow/samplers.ts); absent: G's one pass.
   * A Jacobi sample's PNG records the iterations it ran (ITERATIONS_TEXT_KEY).
   */
  sampler?: SamplerSpec;
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
  /** Whether this sampler should take this batch now (placement, batch size, sampler kind). */
  accepts(model: ModelEntry, count: number, kind?: SamplerKind): boolean;
  /**
   * Whether it runs this kind of sampler for this model at all (healthy or not); absent:
   * only G's one pass. A kind no sampler of a server runs answers 422, not 503.
   */
  runs?(model: ModelEntry, kind: SamplerKind): boolean;
  /** Computes one PNG per seed, in order. */
  sample(batch: SampleBatch): Promise<SampledImage[]>;
  health(): Promise<SamplerHealth>;
}

/** Picks the sampler for a batch, or undefined when none can take it now. */
export type ChooseSampler = (model: ModelEntry, count: number, kind?: SamplerKind) => Sampler | undefined;

/** The default policy: the first sampler, in the configured order, that accepts the batch. */
export function pickSampler(
  samplers: readonly Sampler[],
  model: ModelEntry,
  count: number,
  kind: SamplerKind = "g",
): Sampler | undefined {
  return samplers.find((s) => s.accepts(model, count, kind));
}

/** Whether a sampler runs this kind at all (G's one pass always). */
export function runsKind(sampler: Sampler, model: ModelEntry, kind: SamplerKind): boolean {
  return kind === "g" || sampler.runs?.(model, kind) === true;
}
