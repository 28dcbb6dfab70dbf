// A sampler with a bound on the batches it computes at once: the Worker's single isolate
// runs one WASM thread, so past the bound a request is refused with 503 + Retry-After at
// once instead of waiting behind work it would time out on.

import type { NoiseDecoder } from "./decoder.js";
import type { Encoder } from "./encoder.js";
import { ApiError } from "./errors.js";
import type { ModelEntry } from "./models/registry.js";
import type { SamplerKind } from "./flow/samplers.js";
import { runsKind, type SampleBatch, type SampledImage, type Sampler, type SamplerHealth } from "./sampler.js";

export class BoundedSampler implements Sampler {
  private inFlight = 0;

  constructor(
    private readonly inner: Sampler,
    /** Batches computing or queued at once (MAX_COMPUTES_IN_FLIGHT). */
    private readonly maxInFlight: number,
    private readonly retryAfterSeconds: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** Batches computing or waiting now. */
  get active(): number {
    return this.inFlight;
  }

  accepts(model: ModelEntry, count: number, kind?: SamplerKind): boolean {
    return this.inner.accepts(model, count, kind);
  }

  runs(model: ModelEntry, kind: SamplerKind): boolean {
    return runsKind(this.inner, model, kind);
  }

  sample(batch: SampleBatch): Promise<SampledImage[]> {
    return this.bounded(() => this.inner.sample(batch));
  }

  /**
   * Runs other work on the same WASM thread under the same bound (the Worker's decoder of
   * given noise: reconstructions and interpolation strips), refusing it past the bound.
   */
  async bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxInFlight) {
      throw new ApiError("overloaded", `${this.inFlight} computations are in flight; try again shortly`, {
        headers: { "retry-after": String(this.retryAfterSeconds) },
      });
    }
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
    }
  }

  health(): Promise<SamplerHealth> {
    return this.inner.health();
  }
}

/** A decoder of given noise whose runs count against a BoundedSampler's bound (one WASM thread for both). */
export function boundedDecoder(bound: BoundedSampler, inner: NoiseDecoder): NoiseDecoder {
  return {
    name: inner.name,
    accepts: (model) => inner.accepts(model),
    decode: (batch) => bound.bounded(() => inner.decode(batch)),
  };
}

/**
 * An encoder (F) whose runs count against the same bound: on the Worker's one WASM thread an
 * encode, a reconstruction's F pass or a class edit's F pass competes with samples like any
 * other computation, and past the bound is refused with 503 rather than queued.
 */
export function boundedEncoder(bound: BoundedSampler, inner: Encoder): Encoder {
  return {
    name: inner.name,
    accepts: (model) => inner.accepts(model),
    encode: (batch) => bound.bounded(() => inner.encode(batch)),
  };
}
