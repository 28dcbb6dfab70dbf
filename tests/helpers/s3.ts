// An S3 client on the test s3rver, set up as the service sets up its own (path style,
// checksums only when required), and reading an object's bytes.

import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";

export function testS3Client(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export async function objectBytes(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ bytes: Uint8Array; contentType: string }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = out.Body as { transformToByteArray(): Promise<Uint8Array> } | undefined;
  if (body === undefined) throw new Error(`no body for ${key}`);
  return { bytes: await body.transformToByteArray(), contentType: out.ContentType ?? "" };
}
