// Every object store call timed into a histogram by operation and outcome, measured outside
// the retries (src/storage/resilient.ts), so the figure is the wait a request sees.

import type { Histogram } from "../metrics.js";
import type { ObjectStore } from "./object-store.js";

export function timedStore(store: ObjectStore, seconds: Histogram, now: () => number): ObjectStore {
  const time = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const start = now();
    let outcome = "error";
    try {
      const value = await call();
      outcome = "ok";
      return value;
    } finally {
      seconds.observe({ operation, outcome }, (now() - start) / 1000);
    }
  };
  return {
    name: store.name,
    get: (key) => time("get", () => store.get(key)),
    head: (key) => time("head", () => store.head(key)),
    put: (key, bytes, options) => time("put", () => store.put(key, bytes, options)),
    objectUrl: (key) => store.objectUrl(key),
    health: () => store.health(),
  };
}
