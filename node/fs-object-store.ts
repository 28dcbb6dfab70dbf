// ObjectStore in a local directory: the embedded default when no S3 endpoint is set.
// Writes go to a temporary file hard-linked into place, which fails when the key exists:
// readers never see half a PNG, and the first writer wins. ETags live in .meta/{key}.etag.

import { readFile as readFileCallback, statSync } from "node:fs";
import { access, constants, link, mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import {
  DEFAULT_CONTENT_TYPE,
  etagFromMetadata,
  etagToMetadata,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutOutcome,
  type StoredObject,
} from "../src/storage/object-store.js";

/** Content types by extension: keys are ours and end in a known extension. */
const CONTENT_TYPES: Readonly<Record<string, string>> = { ".png": "image/png", ".json": "application/json" };

/** Keys are relative paths of safe segments: nothing may escape the root. */
const SAFE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Metadata lives beside the objects under a name no key can have (keys never start with '.'). */
const META_DIR = ".meta";

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

function isExisting(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "EEXIST";
}

/**
 * A whole file's bytes. fs.readFile's callback form, not fs/promises': every sample request
 * reads (or misses) here on the event loop, and the FileHandle-based promise API costs about
 * twice the CPU per read (measured 122 vs 54 us per 900-byte hit, 33-72 vs 25 us per miss).
 */
function readBytes(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readFileCallback(file, (err, bytes) => (err === null ? resolve(bytes) : reject(err)));
  });
}

/** Writes a file through a temporary one renamed into place (readers never see it half written). */
async function writeAtomically(target: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomUUID()}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, target);
}

export class FsObjectStore implements ObjectStore {
  readonly name = "filesystem";

  constructor(readonly root: string) {}

  /** The path of a key's file (throws RangeError for keys that could escape the root). */
  file(key: string): string {
    if (!SAFE_KEY.test(key) || key.split("/").some((s) => s === "." || s === "..")) {
      throw new RangeError(`unsafe object key: ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...key.split("/"));
  }

  private metaFile(key: string): string {
    return path.join(this.root, META_DIR, ...`${key}.etag`.split("/"));
  }

  /** The ETag kept for a key, or undefined (no metadata: the object predates it). */
  private async etag(key: string): Promise<{ etag?: string }> {
    try {
      const etag = etagFromMetadata((await readBytes(this.metaFile(key))).toString("utf8").trim());
      return etag === undefined ? {} : { etag };
    } catch (err) {
      if (isMissing(err)) return {};
      throw err;
    }
  }

  private contentType(key: string): string {
    return CONTENT_TYPES[path.extname(key)] ?? DEFAULT_CONTENT_TYPE;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.file(key);
    // Misses (every uncached sample request) are answered by one synchronous stat: a
    // directory lookup in the kernel's cache takes microseconds, while an asynchronous call
    // costs the event loop a thread-pool round trip (measured ~0.15 ms per miss under load).
    if (statSync(file, { throwIfNoEntry: false }) === undefined) return undefined;
    try {
      const bytes = new Uint8Array(await readBytes(file));
      return { bytes, contentType: this.contentType(key), ...(await this.etag(key)) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const { size } = await stat(this.file(key));
      return { size, contentType: this.contentType(key), ...(await this.etag(key)) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutOutcome> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    await writeFile(temporary, bytes);
    try {
      // link(2) fails with EEXIST when the target exists: an exclusive create of the whole file.
      await link(temporary, target);
    } catch (err) {
      if (isExisting(err)) return "exists";
      throw err;
    } finally {
      await unlink(temporary);
    }
    // Only the winner writes the ETag; until it lands, readers see an object without one.
    if (options.etag !== undefined) await writeAtomically(this.metaFile(key), etagToMetadata(options.etag));
    return "created";
  }

  objectUrl(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
      return { ok: true, detail: `directory ${this.root} writable` };
    } catch (err) {
      return {
        ok: false,
        detail: `directory ${this.root} not writable (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      };
    }
  }
}
