// A SampleCache whose writes leave the response path: put() returns at once and the Worker
// entry hands the pending writes to ctx.waitUntil, so a cache fill never delays a response.

import type { Logger } from "../src/logger.js";
import type { CachedSample, SampleCache } from "../src/cache/sample-cache.js";

export class DeferredWriteCache implements SampleCache {
  readonly name: string;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly inner: SampleCache,
    private readonly logger: Logger,
  ) {
    this.name = inner.name;
  }

  get(key: string): Promise<CachedSample | undefined> {
    return this.inner.get(key);
  }

  put(key: string, sample: CachedSample): Promise<void> {
    // A failed cache write only costs a later miss (the store has the object): log it.
    const write = this.inner.put(key, sample).catch((err: unknown) => {
      this.logger.warn("deferred cache put failed", { key, error: err });
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
    return Promise.resolve();
  }

  /**
   * Settles when every write pending now has settled (it never rejects). Requests share the
   * isolate's cache, so this may include another request's writes; waiting on them as well
   * is harmless and keeps each write covered by at least one waitUntil.
   */
  flush(): Promise<void> {
    return Promise.all([...this.pending]).then(() => undefined);
  }
}
