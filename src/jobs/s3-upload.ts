// Streaming writes to S3 (and S3-compatible stores) as multipart uploads: parts of 8 MiB
// are sent as they fill, so an archive is never held whole; completing it with
// If-None-Match: * keeps first-writer-wins where the store honours it (AWS, MinIO, R2).

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isPreconditionFailed } from "../storage/s3.js";
import { PartBuffer, type OpenUpload } from "./upload.js";

/** S3's smallest part (except the last) is 5 MiB. */
export const S3_PART_BYTES = 8 * 1024 * 1024;

export function s3Uploads(client: S3Client, bucket: string, partBytes = S3_PART_BYTES): OpenUpload {
  return async (key, contentType) => {
    const created = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error("S3 CreateMultipartUpload returned no UploadId");
    const parts: { ETag: string; PartNumber: number }[] = [];
    const buffer = new PartBuffer(partBytes, async (part) => {
      const PartNumber = parts.length + 1;
      const out = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber,
          Body: part,
          ContentLength: part.length,
        }),
      );
      parts.push({ ETag: out.ETag ?? "", PartNumber });
    });
    const abort = async () => {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    };
    return {
      write: (bytes) => buffer.write(bytes),
      abort,
      finish: async () => {
        await buffer.flush();
        // An empty object still needs one (empty) part.
        if (parts.length === 0) {
          const out = await client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: 1,
              Body: new Uint8Array(0),
              ContentLength: 0,
            }),
          );
          parts.push({ ETag: out.ETag ?? "", PartNumber: 1 });
        }
        try {
          await client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
              IfNoneMatch: "*",
            }),
          );
          return "created";
        } catch (err) {
          if (!isPreconditionFailed(err)) throw err;
          await abort();
          return "exists";
        }
      },
    };
  };
}
