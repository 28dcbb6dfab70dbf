// Composite images (interpolation strips, class grids) by key: cache -> object store ->
// compute once (identical in-flight requests coalesced) -> store (first writer wins) ->
// cache; the same path as samples (src/samples/service.ts), for an image made of many.

import { strongEtag } from "../bytes.js";
import { Coalescer } from "../coalesce.js";
import { ApiError } from "../errors.js";
import type { Admit } from "../middleware/sample-access/index.js";
import type { FoundSample } from "../samples/service.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "../samples/http.js";
import type { Services } from "../services.js";

export interface CompositeJob {
  key: string;
  /** Images the computation costs (charged to the quota before computing). */
  images: number;
  admit?: Admit;
  /** The PNG, and the sampler that computed it (null when every part came from storage). */
  compute: () => Promise<{ png: Uint8Array; sampler: string | null }>;
}

/** One coalescer per app (its services), so identical composites in flight compute once. */
const coalescers = new WeakMap<Services, Coalescer<FoundSample>>();

function coalescerOf(services: Services): Coalescer<FoundSample> {
  let coalescer = coalescers.get(services);
  if (coalescer === undefined) {
    coalescer = new Coalescer<FoundSample>();
    coalescers.set(services, coalescer);
  }
  return coalescer;
}

function storageUnavailable(err: unknown): ApiError {
  return new ApiError("storage_unavailable", "the object store is unavailable; try again shortly", {
    cause: err,
    headers: { "retry-after": "5" },
  });
}

async function computeAndKeep(services: Services, job: CompositeJob): Promise<FoundSample> {
  const found = await services.samples.find(job.key);
  if (found !== undefined) return found;
  await job.admit?.(job.images);
  const { png, sampler } = await job.compute();
  const own = { bytes: png, etag: await strongEtag(png) };
  let outcome;
  try {
    outcome = await services.store.put(job.key, png, {
      contentType: PNG_CONTENT_TYPE,
      cacheControl: IMMUTABLE_CACHE_CONTROL,
      etag: own.etag,
    });
  } catch (err) {
    services.logger.error("object store put failed", { store: services.store.name, key: job.key, error: err });
    throw storageUnavailable(err);
  }
  if (outcome !== "created") {
    // Another writer stored it first: serve its bytes, so every answer has one ETag.
    const stored = await services.samples.find(job.key);
    if (stored !== undefined) return stored;
  }
  try {
    await services.cache.put(job.key, own);
  } catch (err) {
    services.logger.warn("cache put failed", { key: job.key, error: err });
  }
  return { ...own, key: job.key, source: "computed", sampler };
}

export async function resolveComposite(services: Services, job: CompositeJob): Promise<FoundSample> {
  const { value } = await coalescerOf(services).run(job.key, () => computeAndKeep(services, job));
  return value;
}
