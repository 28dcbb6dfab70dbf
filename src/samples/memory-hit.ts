// Which requests the router can answer from its in-memory cache: a GET of a canonical sample
// URL whose image the cache holds. The Node server lets these skip the queue of handlers it
// runs in slices under load (engine/http/turns.ts), as it does liveness probes, so cache hits
// keep their speed while a flood of uncached requests waits its turn. Only the order
// changes: the request still goes through the whole app (signatures, quotas, headers).

import type { ModelRegistry } from "../models/registry.js";
import { sampleKey, parseSampleUrl } from "./canonical.js";
import { resolveSampleUrl } from "./sample-url.js";

/** A key lookup that neither reads nor reorders (LruSampleCache.has). */
export interface KeyIndex {
  has(key: string): boolean;
}

/** A predicate over request targets (path and query, as on the request line). */
export function inMemorySample(registry: ModelRegistry, cache: KeyIndex): (target: string) => boolean {
  return (target) => {
    if (!target.startsWith("/v1/samples/")) return false;
    try {
      const url = new URL(target, "http://router.invalid");
      const parts = parseSampleUrl(url);
      const model = registry.get(parts.model);
      if (model === undefined) return false;
      const resolved = resolveSampleUrl(parts, model.manifest);
      return resolved.isCanonical && cache.has(sampleKey(resolved.id));
    } catch {
      // Not a valid sample URL: the handler answers it, in its turn.
      return false;
    }
  };
}
