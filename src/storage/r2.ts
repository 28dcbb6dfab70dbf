// ObjectStore over a Cloudflare R2 bucket binding, typed structurally (just the calls we
// make) so the core compiles without @cloudflare/workers-types; workers/ passes env.BUCKET.
// Puts are conditional (onlyIf etagDoesNotMatch "*"): the first writer of a key wins.

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

interface R2HttpMetadataLike {
  contentType?: string;
  cacheControl?: string;
}

export interface R2ObjectLike {
  size: number;
  httpMetadata?: R2HttpMetadataLike;
  customMetadata?: Record<string, string>;
}

export interface R2ObjectBodyLike extends R2ObjectLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The subset of the Workers R2Bucket binding this adapter uses. */
export interface R2BucketLike {
  get(key: string): Promise<R2ObjectBodyLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  /** Resolves null when `onlyIf` fails (here: the key already exists). */
  put(
    key: string,
    value: Uint8Array,
    options: {
      httpMetadata?: R2HttpMetadataLike;
      customMetadata?: Record<string, string>;
      onlyIf: { etagDoesNotMatch: string };
    },
  ): Promise<R2ObjectLike | null>;
}

function info(object: R2ObjectLike): ObjectInfo {
  const etag = etagFromMetadata(object.customMetadata?.[ETAG_METADATA]);
  return {
    size: object.size,
    contentType: object.httpMetadata?.contentType ?? DEFAULT_CONTENT_TYPE,
    ...(etag === undefined ? {} : { etag }),
  };
}

export class R2ObjectStore implements ObjectStore {
  readonly name = "r2";

  constructor(
    private readonly bucket: R2BucketLike,
    private readonly publicBaseUrl?: string,
  ) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const object = await this.bucket.get(key);
    if (object === null) return undefined;
    const { contentType, etag } = info(object);
    return { bytes: new Uint8Array(await object.arrayBuffer()), contentType, ...(etag === undefined ? {} : { etag }) };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = await this.bucket.head(key);
    return object === null ? undefined : info(object);
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutOutcome> {
    const written = await this.bucket.put(key, bytes, {
      httpMetadata: {
        contentType: options.contentType,
        ...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
      },
      ...(options.etag === undefined ? {} : { customMetadata: { [ETAG_METADATA]: etagToMetadata(options.etag) } }),
      // "Does not match any ETag": true only when there is no object (R2 conditional writes).
      onlyIf: { etagDoesNotMatch: "*" },
    });
    return written === null ? "exists" : "created";
  }

  objectUrl(key: string): Promise<string | undefined> {
    return Promise.resolve(this.publicBaseUrl === undefined ? undefined : joinPublicUrl(this.publicBaseUrl, key));
  }

  health(): Promise<{ ok: boolean; detail: string }> {
    // A binding cannot be unreachable the way a remote endpoint can; failures surface per call.
    return Promise.resolve({ ok: true, detail: "R2 binding" });
  }
}
