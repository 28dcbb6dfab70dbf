// The HTTP responses of image URLs (samples, interpolation strips, class grids), for the
// routes that serve them: the PNG with its validators, 304 on a matching If-None-Match, and
// the short-lived redirect to a canonical URL.

import { ITERATIONS_TEXT_KEY, parseIterations } from "../flow/samplers.js";
import { readPngText } from "../png/text.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "./http.js";
import type { FoundSample } from "./service.js";

/** Redirects to a canonical URL may change with the next release: caches keep them briefly. */
export const REDIRECT_CACHE_CONTROL = "public, max-age=60";

/** A redirect to the canonical URL (path and query, relative to this origin). */
export function redirectResponse(location: string, cacheControl = REDIRECT_CACHE_CONTROL): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": cacheControl } });
}

/** If-None-Match uses the weak comparison (RFC 9110 section 13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}

/** The iterations per block a Jacobi sample ran, as its PNG records them. */
export function iterationsRun(png: Uint8Array): number[] | undefined {
  return parseIterations(readPngText(png)[ITERATIONS_TEXT_KEY]);
}

type PngMeta = Pick<FoundSample, "etag" | "source" | "key" | "sampler">;

function pngHeaders(sample: PngMeta & { bytes?: Uint8Array }, cacheControl: string): Record<string, string> {
  const iterations = sample.bytes === undefined ? undefined : iterationsRun(sample.bytes);
  return {
    // A Jacobi sample: the iterations it ran per flow block (block 0 first), from its PNG.
    ...(iterations === undefined ? {} : { "x-jacobi-iterations": iterations.join(",") }),
    "cache-control": cacheControl,
    etag: sample.etag,
    "x-sample-source": sample.source,
    "x-sample-key": sample.key,
    // Which sampler computed it ("engine", "wasm", "gpu-pool"). A cache or store hit has none
    // and sends no X-Sampler, as its JSON says `"sampler": null` and its access-log line `null`.
    ...(sample.sampler === null ? {} : { "x-sampler": sample.sampler }),
  };
}

/** 304 for an image known by its ETag alone (no bytes read). */
export function notModifiedResponse(sample: PngMeta, cacheControl = IMMUTABLE_CACHE_CONTROL): Response {
  return new Response(null, { status: 304, headers: pngHeaders(sample, cacheControl) });
}

/** The headers of a 200 with the PNG itself (pngResponse's, and the Node server's held answers'). */
export function pngBodyHeaders(sample: FoundSample, cacheControl: string): Record<string, string> {
  return {
    ...pngHeaders(sample, cacheControl),
    "content-type": PNG_CONTENT_TYPE,
    "content-length": String(sample.bytes.length),
  };
}

export function pngResponse(
  sample: FoundSample,
  ifNoneMatch: string | undefined,
  cacheControl = IMMUTABLE_CACHE_CONTROL,
): Response {
  if (etagMatches(ifNoneMatch, sample.etag)) {
    return new Response(null, { status: 304, headers: pngHeaders(sample, cacheControl) });
  }
  return new Response(sample.bytes.slice(), { status: 200, headers: pngBodyHeaders(sample, cacheControl) });
}
