// ObjectStore over a Cloudflare R2 bucket binding, typed structurally (just the calls we
// make) so the core compiles without @cloudflare/workers-types; workers/ passes env.BUCKET.

import {
  DEFAULT_CONTENT_TYPE,
  joinPublicUrl,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from "./object-store.js";

interface R2HttpMetadataLike {
  contentType?: string;
  cacheControl?: string;
}

export interface R2ObjectLike {
  size: number;
  httpMetadata?: R2HttpMetadataLike;
}

export interface R2ObjectBodyLike extends R2ObjectLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The subset of the Workers R2Bucket binding this adapter uses. */
export interface R2BucketLike {
  get(key: string): Promise<R2ObjectBodyLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  put(key: string, value: Uint8Array, options?: { httpMetadata?: R2HttpMetadataLike }): Promise<unknown>;
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
    return {
      bytes: new Uint8Array(await object.arrayBuffer()),
      contentType: object.httpMetadata?.contentType ?? DEFAULT_CONTENT_TYPE,
    };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = await this.bucket.head(key);
    if (object === null) return undefined;
    return { size: object.size, contentType: object.httpMetadata?.contentType ?? DEFAULT_CONTENT_TYPE };
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions): Promise<void> {
    await this.bucket.put(key, bytes, {
      httpMetadata: {
        contentType: options.contentType,
        ...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
      },
    });
  }

  objectUrl(key: string): Promise<string | undefined> {
    return Promise.resolve(this.publicBaseUrl === undefined ? undefined : joinPublicUrl(this.publicBaseUrl, key));
  }

  health(): Promise<{ ok: boolean; detail: string }> {
    // A binding cannot be unreachable the way a remote endpoint can; failures surface per call.
    return Promise.resolve({ ok: true, detail: "R2 binding" });
  }
}
