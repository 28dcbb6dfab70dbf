// Which requests the router can answer from its in-memory cache: a GET of a canonical sample
// URL whose image the cache holds. The Node server runs these ahead of the other handlers it
// queues under load (engine/http/turns.ts), so cache hits keep their speed while a flood of
// uncached requests waits its turn. Only the order changes: the request still goes through
// the whole app (signatures, quotas, headers).

import type { ModelRegistry } from "../models/registry.js";
import { sampleKey, parseSampleUrl } from "./canonical.js";
import { resolveSampleUrl } from "./sample-url.js";

/** A key lookup that neither reads nor reorders (LruSampleCache.has). */
export interface KeyIndex {
  has(key: string): boolean;
}

/** Canonical targets remembered with their keys: a hot URL is asked for again and again. */
const REMEMBERED_TARGETS = 10_000;

/** A predicate over request targets (path and query, as on the request line). */
export function inMemorySample(registry: ModelRegistry, cache: KeyIndex): (target: string) => boolean {
  // target -> object key of the canonical URLs seen as hits: parsing a sample URL is most of
  // this predicate's cost (the handler parses it again), and a hot URL is asked for again
  // and again; a remembered one costs a Map lookup.
  const keys = new Map<string, string>();
  const keyOf = (target: string): string | undefined => {
    const known = keys.get(target);
    if (known !== undefined) return known;
    const url = new URL(target, "http://router.invalid");
    const parts = parseSampleUrl(url);
    const model = registry.get(parts.model);
    if (model === undefined) return undefined;
    const resolved = resolveSampleUrl(parts, model.manifest);
    return resolved.isCanonical ? sampleKey(resolved.id) : undefined;
  };
  return (target) => {
    if (!target.startsWith("/v1/samples/")) return false;
    try {
      const key = keyOf(target);
      if (key === undefined || !cache.has(key)) return false;
      if (keys.size >= REMEMBERED_TARGETS) keys.clear();
      keys.set(target, key);
      return true;
    } catch {
      // Not a valid sample URL: the handler answers it, in its turn.
      return false;
    }
  };
}
