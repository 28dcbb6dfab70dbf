// The sample service's access to its cache and object store, with their faults handled in
// one place: a failing cache is a miss (the store still has the truth), a failing store is
// a 503 storage_unavailable with Retry-After.

import { strongEtag } from "../bytes.js";
import type { CachedSample, SampleCache } from "../cache/sample-cache.js";
import { ApiError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ObjectStore, PutOutcome, StoredObject } from "../storage/object-store.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "./http.js";

export interface SampleStorageDeps {
  store: ObjectStore;
  cache: SampleCache;
  logger: Logger;
  /** Retry-After (seconds) of the 503 when the store fails. */
  retryAfterSeconds?: number;
}

/** A stored object with its ETag: the one kept as metadata, else hashed from the bytes. */
export async function withEtag(stored: StoredObject): Promise<CachedSample> {
  return { bytes: stored.bytes, etag: stored.etag ?? (await strongEtag(stored.bytes)) };
}

export class SampleStorage {
  constructor(private readonly deps: SampleStorageDeps) {}

  get storeName(): string {
    return this.deps.store.name;
  }

  /** Cache failures degrade to a miss: the store still has the truth. */
  async cacheGet(key: string): Promise<CachedSample | undefined> {
    try {
      return await this.deps.cache.get(key);
    } catch (err) {
      this.deps.logger.warn("cache get failed", { key, error: err });
      return undefined;
    }
  }

  async cachePut(key: string, sample: CachedSample): Promise<void> {
    try {
      await this.deps.cache.put(key, sample);
    } catch (err) {
      this.deps.logger.warn("cache put failed", { key, error: err });
    }
  }

  async storeGet(key: string): Promise<StoredObject | undefined> {
    try {
      return await this.deps.store.get(key);
    } catch (err) {
      this.deps.logger.error("object store get failed", { store: this.deps.store.name, key, error: err });
      throw this.storageUnavailable(err);
    }
  }

  /** The stored object's ETag from its metadata (a HEAD); undefined when it has none or is absent. */
  async storeEtag(key: string): Promise<string | undefined> {
    let info;
    try {
      info = await this.deps.store.head(key);
    } catch (err) {
      this.deps.logger.error("object store head failed", { store: this.deps.store.name, key, error: err });
      throw new ApiError("storage_unavailable", "the object store is unavailable", { cause: err });
    }
    return info?.etag;
  }

  async storePut(key: string, sample: CachedSample): Promise<PutOutcome> {
    try {
      return await this.deps.store.put(key, sample.bytes, {
        contentType: PNG_CONTENT_TYPE,
        cacheControl: IMMUTABLE_CACHE_CONTROL,
        etag: sample.etag,
      });
    } catch (err) {
      this.deps.logger.error("object store put failed", { store: this.deps.store.name, key, error: err });
      throw this.storageUnavailable(err);
    }
  }

  /**
   * The store failed after its retries (src/storage/resilient.ts). A failed put answers this
   * too, by choice (docs/operations.md, "Storage faults and overload"): the finished image is not returned, so no URL
   * is ever handed out for an object that was not stored; the client retries after a pause.
   */
  private storageUnavailable(err: unknown): ApiError {
    return new ApiError("storage_unavailable", "the object store is unavailable; try again shortly", {
      cause: err,
      headers: { "retry-after": String(this.deps.retryAfterSeconds ?? 5) },
    });
  }
}
