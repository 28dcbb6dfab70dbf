// Streaming writes to the local object store: pieces are appended to a temporary file under
// the store's root, then hard-linked into place (first writer wins, as FsObjectStore.put).

import { randomUUID } from "node:crypto";
import { link, mkdir, open, unlink } from "node:fs/promises";
import path from "node:path";
import type { OpenUpload } from "../../src/jobs/upload.js";
import { PartBuffer } from "../../src/jobs/upload.js";
import type { FsObjectStore } from "../fs-object-store.js";

const PART_BYTES = 1024 * 1024;

export function fsUploads(store: FsObjectStore): OpenUpload {
  return async (key) => {
    const target = store.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    const handle = await open(temporary, "wx");
    const buffer = new PartBuffer(PART_BYTES, async (part) => {
      await handle.write(part);
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    return {
      write: (bytes) => buffer.write(bytes),
      abort: async () => {
        await close();
        await unlink(temporary).catch(() => undefined);
      },
      finish: async () => {
        await buffer.flush();
        await handle.sync();
        await close();
        try {
          await link(temporary, target);
          return "created";
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") return "exists";
          throw err;
        } finally {
          await unlink(temporary);
        }
      },
    };
  };
}
