// Responses for files with fixed bytes (the playground's assets, onnxruntime-web's files,
// model files): ETag, Cache-Control, and 304 before any read when the client has them.

import { etagMatches } from "../samples/png-responses.js";

export interface StaticFile {
  contentType: string;
  /** A strong ETag; the client's If-None-Match is compared with it. */
  etag: string;
  cacheControl: string;
  headers?: Readonly<Record<string, string>>;
}

/** 304 with the validators when If-None-Match names the ETag; else 200 with `load()`'s bytes. */
export async function staticResponse(
  file: StaticFile,
  ifNoneMatch: string | undefined,
  load: () => Promise<Uint8Array<ArrayBuffer>>,
): Promise<Response> {
  const headers = {
    "cache-control": file.cacheControl,
    etag: file.etag,
    // Browsers must not sniff a .mjs or .wasm into something else (MIME confusion).
    "x-content-type-options": "nosniff",
    ...file.headers,
  };
  if (etagMatches(ifNoneMatch, file.etag)) return new Response(null, { status: 304, headers });
  const body = await load();
  return new Response(body, {
    status: 200,
    headers: { ...headers, "content-type": file.contentType, "content-length": String(body.length) },
  });
}
