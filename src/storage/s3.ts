// ObjectStore over any S3-compatible endpoint with @aws-sdk/client-s3 (AWS, R2's S3 API,
// MinIO, s3rver), with path-style addressing, conditional puts (If-None-Match: *) and
// public or presigned object URLs.

import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { S3Config } from "../config.js";
import {
  DEFAULT_CONTENT_TYPE,
  ETAG_METADATA,
  etagFromMetadata,
  etagToMetadata,
  joinPublicUrl,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutOutcome,
  type StoredObject,
} from "./object-store.js";

export interface S3ObjectStoreOptions extends S3Config {
  /** Public base URL of the bucket; wins over presigning when both are set. */
  publicBaseUrl?: string | undefined;
  /** Connection and request timeout of the SDK's HTTP handler (src/storage/resilient.ts retries). */
  requestTimeoutMs?: number;
}

/** The SDK's streaming body, typed structurally: its declared type names Node's stream types. */
interface ByteStream {
  transformToByteArray(): Promise<Uint8Array>;
}

function isByteStream(body: unknown): body is ByteStream {
  return typeof body === "object" && body !== null && "transformToByteArray" in body;
}

function errorShape(err: unknown): { name?: unknown; $metadata?: { httpStatusCode?: unknown } } {
  return typeof err === "object" && err !== null ? err : {};
}

function isNotFound(err: unknown): boolean {
  const e = errorShape(err);
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

/** 412: a conditional request's precondition failed (for a put: the key already exists). */
export function isPreconditionFailed(err: unknown): boolean {
  const e = errorShape(err);
  return e.name === "PreconditionFailed" || e.$metadata?.httpStatusCode === 412;
}

/** 409 ConditionalRequestConflict: another conditional write of the key is in progress; AWS says retry. */
function isConditionalConflict(err: unknown): boolean {
  const e = errorShape(err);
  return e.name === "ConditionalRequestConflict" || e.$metadata?.httpStatusCode === 409;
}

/** How often a put retries a 409 before it reports the key as taken by the other writer. */
const CONFLICT_RETRIES = 2;

export function createS3Client(options: S3Config & { requestTimeoutMs?: number }): S3Client {
  return new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // SDK >= 3.729 otherwise adds CRC32 checksums with aws-chunked uploads, which several
    // S3-compatible servers (s3rver among them) store framing and all: silently corrupt.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // Without these a store that accepts connections and never answers hangs each call
    // forever; the resilient wrapper owns retries, so the SDK makes one attempt.
    ...(options.requestTimeoutMs === undefined
      ? {}
      : {
          requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: options.requestTimeoutMs },
          maxAttempts: 1,
        }),
  });
}

export class S3ObjectStore implements ObjectStore {
  readonly name = "s3";
  readonly client: S3Client;

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.client = createS3Client(options);
  }

  private get bucket(): string {
    return this.options.bucket;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body: unknown = out.Body;
      if (!isByteStream(body)) return undefined;
      const etag = etagFromMetadata(out.Metadata?.[ETAG_METADATA]);
      return {
        bytes: await body.transformToByteArray(),
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        ...(etag === undefined ? {} : { etag }),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const etag = etagFromMetadata(out.Metadata?.[ETAG_METADATA]);
      return {
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        ...(etag === undefined ? {} : { etag }),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * First writer wins: If-None-Match: * makes S3 (and MinIO, R2's S3 API) refuse the put with
   * 412 when the key exists. Servers that ignore the header (s3rver) overwrite instead.
   */
  async put(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutOutcome> {
    const input = {
      Bucket: this.bucket,
      Key: key,
      Body: bytes,
      ContentLength: bytes.length,
      ContentType: options.contentType,
      IfNoneMatch: "*",
      ...(options.cacheControl === undefined ? {} : { CacheControl: options.cacheControl }),
      ...(options.etag === undefined ? {} : { Metadata: { [ETAG_METADATA]: etagToMetadata(options.etag) } }),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand(input));
        return "created";
      } catch (err) {
        if (isPreconditionFailed(err)) return "exists";
        if (isConditionalConflict(err) && attempt < CONFLICT_RETRIES) continue;
        if (isConditionalConflict(err)) return "exists";
        throw err;
      }
    }
  }

  async objectUrl(key: string): Promise<string | undefined> {
    if (this.options.publicBaseUrl !== undefined) return joinPublicUrl(this.options.publicBaseUrl, key);
    if (this.options.presignSeconds > 0) {
      return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        expiresIn: this.options.presignSeconds,
      });
    }
    return undefined;
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return { ok: true, detail: `bucket ${this.bucket} reachable` };
    } catch (err) {
      // The error's name only: messages can carry endpoints or request ids.
      const name = err instanceof Error ? err.name : "error";
      return { ok: false, detail: `bucket ${this.bucket} unreachable (${name})` };
    }
  }
}
