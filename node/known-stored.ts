// Which sample keys this router knows to be in the object store: the ones it wrote there or
// read back from it. Samples are write-once under versioned keys, so a key once seen stored
// stays answerable from the store. The Node server runs requests for such keys ahead of the
// queued handlers under load, as it does for cache hits (engine/http/turns.ts): a stored
// sample then answers at store speed while a flood of uncached work waits its turn. Only
// the order changes; a key whose object was removed behind the router's back just takes the
// normal path (its handler finds no object and computes).

import type { KeyIndex } from "../src/samples/memory-hit.js";
import type { ObjectStore } from "../src/storage/object-store.js";

/** Keys only, never bytes: 200,000 keys of ~60 characters are about 25 MB at most. */
export const KNOWN_STORED_KEYS = 200_000;

/** A bounded set of keys, oldest forgotten first (a Set keeps insertion order). */
export class KnownStoredKeys implements KeyIndex {
  private readonly keys = new Set<string>();

  constructor(private readonly limit = KNOWN_STORED_KEYS) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) return;
    if (this.keys.size >= this.limit) {
      const oldest = this.keys.values().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
    this.keys.add(key);
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Only sample keys are asked for (memory-hit.ts); job records and composites are not kept. */
const SAMPLE_PREFIX = "samples/";

/** `store`, telling `known` of every sample key it wrote or found (puts, and reads that found an object). */
export function recordingStore(store: ObjectStore, known: KnownStoredKeys): ObjectStore {
  const note = (key: string) => {
    if (key.startsWith(SAMPLE_PREFIX)) known.add(key);
  };
  return {
    name: store.name,
    get: async (key) => {
      const found = await store.get(key);
      if (found !== undefined) note(key);
      return found;
    },
    head: async (key) => {
      const info = await store.head(key);
      if (info !== undefined) note(key);
      return info;
    },
    // "created" or "exists": either way the key now holds an object.
    put: async (key, bytes, options) => {
      const outcome = await store.put(key, bytes, options);
      note(key);
      return outcome;
    },
    objectUrl: (key) => store.objectUrl(key),
    health: () => store.health(),
  };
}

/** Either index: the cache's or the store's known keys. */
export function eitherIndex(...indexes: readonly KeyIndex[]): KeyIndex {
  return { has: (key) => indexes.some((index) => index.has(key)) };
}
