// An object store held in memory: for tests and for embedding the app where no durable
// store is wanted. Objects are copied in and out so callers cannot alias them; the first
// put of a key wins.

import {
  joinPublicUrl,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutOutcome,
  type StoredObject,
} from "./object-store.js";

export class MemoryObjectStore implements ObjectStore {
  readonly name = "memory";
  private readonly objects = new Map<string, StoredObject>();

  constructor(private readonly publicBaseUrl?: string) {}

  get(key: string): Promise<StoredObject | undefined> {
    const found = this.objects.get(key);
    return Promise.resolve(found && { ...found, bytes: found.bytes.slice() });
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    const found = this.objects.get(key);
    return Promise.resolve(
      found && {
        size: found.bytes.length,
        contentType: found.contentType,
        ...(found.etag === undefined ? {} : { etag: found.etag }),
      },
    );
  }

  put(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutOutcome> {
    if (this.objects.has(key)) return Promise.resolve("exists");
    const etag = options.etag === undefined ? {} : { etag: options.etag };
    this.objects.set(key, { bytes: bytes.slice(), contentType: options.contentType, ...etag });
    return Promise.resolve("created");
  }

  objectUrl(key: string): Promise<string | undefined> {
    return Promise.resolve(this.publicBaseUrl === undefined ? undefined : joinPublicUrl(this.publicBaseUrl, key));
  }

  health(): Promise<{ ok: boolean; detail: string }> {
    return Promise.resolve({ ok: true, detail: `${this.objects.size} objects in memory` });
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }
}
