// Writing one large object piece by piece (archives, manifests): S3 multipart uploads, a
// file appended on disk, R2 multipart; first writer wins as for every put. The buffering
// form, for stores without streaming writes, holds the object in memory: tests only.

import { concatBytes } from "../bytes.js";
import type { ObjectStore, PutOutcome } from "../storage/object-store.js";

export interface Upload {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the object visible under its key; "exists" when another writer got there first. */
  finish(): Promise<PutOutcome>;
  /** Drops what was written (after a failure). */
  abort(): Promise<void>;
}

export type OpenUpload = (key: string, contentType: string) => Promise<Upload>;

/** Holds every piece, then one put: for the in-memory store of tests. */
export function bufferingUploads(store: ObjectStore): OpenUpload {
  return (key, contentType) => {
    const parts: Uint8Array[] = [];
    return Promise.resolve({
      write: (bytes) => {
        parts.push(bytes.slice());
        return Promise.resolve();
      },
      finish: () => store.put(key, concatBytes(parts), { contentType }),
      abort: () => {
        parts.length = 0;
        return Promise.resolve();
      },
    });
  };
}

/**
 * Gathers small writes into parts of at least `partBytes` before handing them on: S3 wants
 * parts of 5 MiB or more (all but the last), and fewer syscalls help the file form too.
 * `exact`: every part but the last is exactly `partBytes` (R2 wants equal parts).
 */
export class PartBuffer {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly partBytes: number,
    private readonly flushPart: (part: Uint8Array) => Promise<void>,
    private readonly exact = false,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.parts.push(bytes.slice());
    this.size += bytes.length;
    if (this.size < this.partBytes) return;
    if (!this.exact) return this.flush();
    const all = concatBytes(this.parts);
    let offset = 0;
    for (; all.length - offset >= this.partBytes; offset += this.partBytes) {
      await this.flushPart(all.slice(offset, offset + this.partBytes));
    }
    this.parts = [all.slice(offset)];
    this.size = all.length - offset;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const part = concatBytes(this.parts);
    this.parts = [];
    this.size = 0;
    await this.flushPart(part);
  }
}
