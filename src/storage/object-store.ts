// The storage interface for sample PNGs: get, head and put by key with a content type,
// plus an optional direct URL (public or presigned). S3, R2 and a local directory
// implement it.

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
}

export interface ObjectInfo {
  size: number;
  contentType: string;
}

export interface PutOptions {
  contentType: string;
  /** Sent along where the backend keeps it (S3, R2), so direct links cache well too. */
  cacheControl?: string;
}

export interface StoreHealth {
  ok: boolean;
  detail: string;
}

export interface ObjectStore {
  readonly name: string;
  /** The object, or undefined when the key does not exist. Other failures reject. */
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  put(key: string, bytes: Uint8Array, options: PutOptions): Promise<void>;
  /** A URL that serves the object directly (public base or presigned), if configured. */
  objectUrl(key: string): Promise<string | undefined>;
  health(): Promise<StoreHealth>;
}

/** `${base}/${key}` with each key segment URL-encoded. */
export function joinPublicUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, "")}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
