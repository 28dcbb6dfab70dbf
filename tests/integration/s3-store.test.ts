// The S3 store's first-writer-wins put, checked where it can be: s3rver stores what the SDK
// sends but ignores If-None-Match on PUT, so a middleware on the real S3Client checks that
// every put carries it; the loser's path (a 412) is raced for real on the local store and R2.

import { HeadObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { describe, expect, inject, it } from "vitest";
import { S3ObjectStore, isPreconditionFailed } from "../../src/storage/s3.js";
import { S3RVER_CREDENTIALS } from "./global-setup.js";

function store(): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: inject("s3Endpoint"),
    bucket: inject("bucket"),
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    presignSeconds: 0,
  });
}

/** Records the method and conditional headers of every request the client sends. */
function recordRequests(s3: S3ObjectStore): { method: string; ifNoneMatch: string | undefined }[] {
  const seen: { method: string; ifNoneMatch: string | undefined }[] = [];
  s3.client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { method: string; headers: Record<string, string> };
      seen.push({ method: request.method, ifNoneMatch: request.headers["if-none-match"] });
      return next(args);
    },
    { step: "finalizeRequest", name: "recordConditionalHeaders" },
  );
  return seen;
}

describe("S3ObjectStore.put", () => {
  it("sends If-None-Match: * with every put, and keeps the ETag as object metadata", async () => {
    const s3 = store();
    const seen = recordRequests(s3);
    const key = `samples/v1/s3-store-test/1.0.0/null/g1.00/${Date.now()}.png`;
    const etag = '"0123456789abcdef0123456789abcdef"';
    expect(await s3.put(key, new Uint8Array([1, 2, 3]), { contentType: "image/png", etag })).toBe("created");
    expect(seen).toEqual([{ method: "PUT", ifNoneMatch: "*" }]);

    expect(await s3.head(key)).toEqual({ size: 3, contentType: "image/png", etag });
    expect(await s3.get(key)).toEqual({ bytes: new Uint8Array([1, 2, 3]), contentType: "image/png", etag });
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: inject("bucket"), Key: key }));
    expect(head.Metadata).toEqual({ etag: "0123456789abcdef0123456789abcdef" });
  });

  it("reads the SDK's 412 Precondition Failed (S3's answer when the key exists) as the key being taken", () => {
    // The exception the SDK's deserializer makes of a 412 without a modelled error shape.
    const failed = new S3ServiceException({
      name: "PreconditionFailed",
      $fault: "client",
      $metadata: { httpStatusCode: 412 },
    });
    expect(isPreconditionFailed(failed)).toBe(true);
    const other = new S3ServiceException({
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    });
    expect(isPreconditionFailed(other)).toBe(false);
    expect(isPreconditionFailed(new Error("socket hang up"))).toBe(false);
  });
});
