// ObjectStore in a local directory: the embedded default when no S3 endpoint is set.
// Writes go to a temporary file renamed into place, so readers never see half a PNG.

import { mkdir, readFile, rename, stat, writeFile, access, constants } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import {
  DEFAULT_CONTENT_TYPE,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from "../src/storage/object-store.js";

/** Content types by extension: keys are ours and end in a known extension. */
const CONTENT_TYPES: Readonly<Record<string, string>> = { ".png": "image/png", ".json": "application/json" };

/** Keys are relative paths of safe segments: nothing may escape the root. */
const SAFE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

export class FsObjectStore implements ObjectStore {
  readonly name = "filesystem";

  constructor(readonly root: string) {}

  private file(key: string): string {
    if (!SAFE_KEY.test(key) || key.split("/").some((s) => s === "." || s === "..")) {
      throw new RangeError(`unsafe object key: ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...key.split("/"));
  }

  private contentType(key: string): string {
    return CONTENT_TYPES[path.extname(key)] ?? DEFAULT_CONTENT_TYPE;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      return { bytes: new Uint8Array(await readFile(this.file(key))), contentType: this.contentType(key) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      return { size: (await stat(this.file(key))).size, contentType: this.contentType(key) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async put(key: string, bytes: Uint8Array, _options: PutOptions): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, target);
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
