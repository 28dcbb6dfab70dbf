// A prebuilt file of the playground page (scripts/build-playground.ts writes them into
// assets.generated.ts as text, so Node and workerd serve them with no file system).

export interface StaticAsset {
  /** The URL path it is served at ("/" for the page itself). */
  path: string;
  contentType: string;
  /** A strong ETag of the body (RFC 9110 section 8.8.3). */
  etag: string;
  /** Content-hashed file names never change meaning; the page itself must revalidate. */
  immutable: boolean;
  body: string;
}
