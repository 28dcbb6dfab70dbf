// Everything a route handler may use, built once by createApp from the injected
// dependencies; handlers stay thin and pass these to plain functions.

import type { SampleCache } from "./cache/sample-cache.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { NoiseDecoder } from "./decoder.js";
import type { Encoder } from "./encoder.js";
import { ApiError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { SampleAccess } from "./middleware/sample-access/index.js";
import type { ModelEntry, ModelRegistry } from "./models/registry.js";
import type { Sampler } from "./sampler.js";
import type { RandomSource } from "./samples/params.js";
import type { SampleService } from "./samples/service.js";
import type { ObjectStore } from "./storage/object-store.js";
import type { Telemetry } from "./telemetry.js";

export interface Services {
  config: Config;
  registry: ModelRegistry;
  samplers: readonly Sampler[];
  encoders: readonly Encoder[];
  /** G on given noise (reconstruction, interpolation), in order: the first that accepts a model decodes. */
  decoders: readonly NoiseDecoder[];
  store: ObjectStore;
  cache: SampleCache;
  samples: SampleService;
  telemetry: Telemetry;
  logger: Logger;
  clock: Clock;
  random: RandomSource;
  /** URL signatures and image quotas: who may make the service compute. */
  access: SampleAccess;
  /** Where cache hits of sample URLs are kept for the Node server to answer itself (src/samples/hot-hits.ts). */
  heldHits?: HeldHits;
}

/** What the app tells the held answers: a GET of `target` was a 200 from the cache's image under `key`. */
export interface HeldHits {
  remember(target: string, key: string, cacheControl: string): void;
}

/** The model named by the client, or model_not_found (404) listing the known ids. */
export function requireModel(registry: ModelRegistry, id: string): ModelEntry {
  const entry = registry.get(id);
  if (entry !== undefined) return entry;
  const known = registry.list().map((m) => m.manifest.id);
  throw new ApiError("model_not_found", `unknown model "${id}"; known models: ${known.join(", ") || "(none)"}`, {
    param: "model",
  });
}
