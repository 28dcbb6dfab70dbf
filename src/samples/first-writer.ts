// Storing a computed sample, first writer wins: a request that loses the race for a key
// serves the stored object instead of its own, so every answer for a key has the same
// bytes and ETag.

import { strongEtag } from "../bytes.js";
import type { Logger } from "../logger.js";
import type { Telemetry } from "../telemetry.js";
import { withEtag, type SampleStorage } from "./sample-storage.js";
import type { Found } from "./target.js";

/**
 * Stores a computed PNG unless its sampler did (GPU backends writing to S3 save an upload;
 * they serve the stored object when they lose a race). When another writer stored the key
 * first, its object is what this request serves.
 */
export async function keepFirst(
  deps: { storage: SampleStorage; telemetry: Telemetry; logger: Logger },
  key: string,
  png: Uint8Array,
  storedBySampler: boolean,
  sampler: string,
): Promise<Found> {
  const { storage } = deps;
  const own = { bytes: png, etag: await strongEtag(png) };
  if (storedBySampler || (await storage.storePut(key, own)) === "created") {
    return { ...own, source: "computed", sampler };
  }
  deps.telemetry.writeRaces.inc();
  const stored = await storage.storeGet(key);
  if (stored !== undefined) return { ...(await withEtag(stored)), source: "store", sampler: null };
  // Reported taken but unreadable (a 409 conflict whose winner had not finished): ours it is.
  deps.logger.warn("stored sample missing after a lost put", { store: storage.storeName, key });
  return { ...own, source: "computed", sampler };
}
