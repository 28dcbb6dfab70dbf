// What the sample service is asked for and what it finds: shared by its parts (lookup.ts,
// compute.ts, first-writer.ts, service.ts).

import type { CachedSample } from "../cache/sample-cache.js";
import type { ModelEntry } from "../models/registry.js";
import type { SamplerSpec } from "./sample-id.js";

export type SampleSource = "cache" | "store" | "computed";

export interface SampleTarget {
  model: ModelEntry;
  /** Resolved class index, or null for unconditional. */
  classIndex: number | null;
  seeds: readonly number[];
  /** Canonical guidance. */
  guidance: number;
  /** Asked before computing, with the number of images; throws to refuse (URL signature, image quota). */
  admit?: (images: number) => Promise<void>;
  /** The request's X-Request-Id, forwarded to the sampler (GPU backends log it). */
  requestId?: string;
  /** How to draw the images (canonical, resolved for the model); absent: G's one pass. */
  sampler?: SamplerSpec;
}

/** A sample's bytes and ETag, where they came from, and the sampler that computed them (null: none). */
export interface Found extends CachedSample {
  source: SampleSource;
  sampler: string | null;
}
