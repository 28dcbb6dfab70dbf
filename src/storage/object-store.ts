// The storage interface for sample PNGs: get, head and a first-writer-wins put by key with
// a content type and the object's ETag kept as metadata, plus an optional direct URL (public
// or presigned). S3, R2 and a local directory implement it.

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
  /** The ETag given to put (kept as metadata); absent for objects stored without one. */
  etag?: string;
}

export interface ObjectInfo {
  size: number;
  contentType: string;
  /** As in StoredObject: read from metadata, so a conditional GET never reads the bytes. */
  etag?: string;
}

export interface PutOptions {
  contentType: string;
  /** Sent along where the backend keeps it (S3, R2), so direct links cache well too. */
  cacheControl?: string;
  /** A strong ETag of the bytes (quoted, src/bytes.ts strongEtag), kept with the object. */
  etag?: string;
}

/**
 * `created`: this put wrote the object. `exists`: the key already held an object, which is
 * left as it was (the first writer wins); the caller reads it back and serves that.
 */
export type PutOutcome = "created" | "exists";

export interface StoreHealth {
  ok: boolean;
  detail: string;
}

export interface ObjectStore {
  readonly name: string;
  /** The object, or undefined when the key does not exist. Other failures reject. */
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Writes only when the key holds no object (S3 If-None-Match: *, R2 onlyIf, exclusive create). */
  put(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutOutcome>;
  /** A URL that serves the object directly (public base or presigned), if configured. */
  objectUrl(key: string): Promise<string | undefined>;
  health(): Promise<StoreHealth>;
}

/** `${base}/${key}` with each key segment URL-encoded. */
export function joinPublicUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, "")}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** ETags travel quoted in HTTP and unquoted in object metadata (S3 and R2 metadata values). */
export function etagToMetadata(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}

export function etagFromMetadata(value: string | undefined): string | undefined {
  return value === undefined || !/^[0-9a-f]{16,64}$/.test(value) ? undefined : `"${value}"`;
}

/** The metadata field that holds the sample's ETag (S3 `x-amz-meta-etag`, R2 custom metadata). */
export const ETAG_METADATA = "etag";
