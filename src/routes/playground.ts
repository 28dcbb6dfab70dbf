// The playground page at `/`: its prebuilt assets (text bundled into the core, so Node and
// workerd serve it alike) and onnxruntime-web's browser files from the injected source.

import type { OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "../errors.js";
import { ORT_WEB_FILES, ORT_WEB_PREFIX, isOrtWebFile, type OrtWebFiles } from "../playground/ort-web-files.js";
import type { StaticAsset } from "../playground/static-asset.js";
import { IMMUTABLE_CACHE_CONTROL } from "../samples/http.js";
import { staticResponse } from "./static.js";

/**
 * Only same-origin scripts, styles, fetches and images: the page works with no CDN, and a
 * CDN reference would fail loudly. 'wasm-unsafe-eval' lets onnxruntime-web compile its
 * WebAssembly (CSP Level 3); data: is the empty favicon.
 */
export const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS = { "content-security-policy": PLAYGROUND_CSP, "referrer-policy": "no-referrer" };

function notFound(what: string): ApiError {
  return new ApiError("not_found", what);
}

export function registerPlaygroundRoutes(
  app: OpenAPIHono,
  assets: readonly StaticAsset[],
  ortWeb: OrtWebFiles | undefined,
  /** Why the page is switched off here (URL_SIGNING_MODE=strict); undefined: served. */
  off?: string,
): void {
  const encoder = new TextEncoder();
  // A fresh Uint8Array: workerd's TextEncoder types its result over ArrayBufferLike.
  const byPath = new Map(
    assets.map((asset) => [asset.path, { asset, bytes: new Uint8Array(encoder.encode(asset.body)) }]),
  );

  const serveAsset = (path: string, ifNoneMatch: string | undefined) => {
    if (off !== undefined) throw notFound(`the playground is switched off: ${off}`);
    const found = byPath.get(path);
    if (found === undefined) throw notFound(`no playground asset ${path.slice(0, 200)}`);
    const { asset, bytes } = found;
    return staticResponse(
      {
        contentType: asset.contentType,
        etag: asset.etag,
        // The page names its scripts by content hash; the page itself must be revalidated.
        cacheControl: asset.immutable ? IMMUTABLE_CACHE_CONTROL : "no-cache",
        headers: asset.contentType.startsWith("text/html") ? PAGE_HEADERS : {},
      },
      ifNoneMatch,
      () => Promise.resolve(bytes),
    );
  };

  app.get("/", (c) => serveAsset("/", c.req.header("if-none-match")));
  app.get("/playground/:file", (c) => serveAsset(c.req.path, c.req.header("if-none-match")));

  app.get(`${ORT_WEB_PREFIX}/:version/:file`, (c) => {
    const version = c.req.param("version");
    const file = c.req.param("file");
    if (ortWeb === undefined) throw notFound("onnxruntime-web's browser files are not served by this deployment");
    if (version !== ortWeb.version) {
      throw notFound(`onnxruntime-web ${ortWeb.version} is served here, not ${version.slice(0, 64)}`);
    }
    if (!isOrtWebFile(file)) throw notFound(`onnxruntime-web has no browser file ${file.slice(0, 200)} here`);
    return staticResponse(
      {
        contentType: ORT_WEB_FILES[file],
        // The URL names the version, and a version's files never change.
        etag: `"onnxruntime-web-${ortWeb.version}-${file}"`,
        cacheControl: IMMUTABLE_CACHE_CONTROL,
      },
      c.req.header("if-none-match"),
      () => ortWeb.read(file),
    );
  });
}
