// Streaming writes to an R2 bucket binding (the Worker's results) as R2 multipart uploads:
// parts of exactly 8 MiB (R2 wants every part but the last the same size) are sent as they
// fill, so an archive is never held whole in the isolate's 128 MB. R2's complete() takes
// no condition, so first-writer-wins is a HEAD just before it: two executors finishing one
// job at once may both complete, and then both wrote the same bytes (results depend only
// on the job's spec and its stored images).
// Typed structurally (the calls made), like src/storage/r2.ts.

import type { PutOutcome } from "../storage/object-store.js";
import { PartBuffer, type OpenUpload } from "./upload.js";

export const R2_PART_BYTES = 8 * 1024 * 1024;

interface R2UploadedPartLike {
  partNumber: number;
  etag: string;
}

export interface R2MultipartUploadLike {
  uploadPart(partNumber: number, value: Uint8Array): Promise<R2UploadedPartLike>;
  abort(): Promise<void>;
  complete(parts: R2UploadedPartLike[]): Promise<unknown>;
}

export interface R2MultipartBucketLike {
  head(key: string): Promise<unknown>;
  createMultipartUpload(
    key: string,
    options: { httpMetadata: { contentType: string } },
  ): Promise<R2MultipartUploadLike>;
}

export function r2Uploads(bucket: R2MultipartBucketLike, partBytes = R2_PART_BYTES): OpenUpload {
  return async (key, contentType) => {
    const upload = await bucket.createMultipartUpload(key, { httpMetadata: { contentType } });
    const parts: R2UploadedPartLike[] = [];
    const buffer = new PartBuffer(
      partBytes,
      async (part) => {
        parts.push(await upload.uploadPart(parts.length + 1, part));
      },
      true,
    );
    return {
      write: (bytes) => buffer.write(bytes),
      abort: () => upload.abort(),
      finish: async (): Promise<PutOutcome> => {
        await buffer.flush();
        // An empty object still needs one (empty) part.
        if (parts.length === 0) parts.push(await upload.uploadPart(1, new Uint8Array(0)));
        if ((await bucket.head(key)) !== null) {
          await upload.abort();
          return "exists";
        }
        await upload.complete(parts);
        return "created";
      },
    };
  };
}
