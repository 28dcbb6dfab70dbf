// Serving an image URL (a sample, an interpolation strip, a class grid), the one flow every
// kind follows: non-canonical forms redirect (a validly signed one to its canonical URL
// signed afresh), conditional GETs answer 304 from the ETag alone, versions no longer loaded
// come from the store or answer 410, and the rest resolves (cache, store or compute). With
// URL_SIGNING_MODE=strict each of those answers first verifies the URL's signature (403).

import type { Context } from "hono";
import type { ModelManifest } from "../models/manifest.js";
import type { Services } from "../services.js";
import { IMMUTABLE_CACHE_CONTROL } from "./http.js";
import {
  etagMatches,
  notModifiedResponse,
  pngResponse,
  REDIRECT_CACHE_CONTROL,
  redirectResponse,
} from "./png-responses.js";
import { versionGone } from "./sample-url.js";
import type { FoundSample } from "./service.js";

/**
 * The redirect of a non-canonical URL: a validly signed URL to its canonical URL signed
 * afresh (same expiry); an unsigned one to the unsigned canonical URL, which computes
 * nothing while signing is on.
 */
export async function redirectToCanonical(services: Services, c: Context, canonical: string): Promise<Response> {
  // Strict: an unsigned or badly signed URL is a 403, never a redirect.
  const strict = await services.access.strictCheck(c);
  const signature = strict ?? (await services.access.checkUrl(c));
  const location = signature?.ok === true ? await services.access.handOut(canonical, signature.expiresAt) : canonical;
  return redirectResponse(location, services.access.cacheControlFor(REDIRECT_CACHE_CONTROL, strict));
}

export interface ImageRequest {
  /** The image's object key. */
  key: string;
  ifNoneMatch: string | undefined;
  /** Set when the URL names a version no longer loaded: only the store may answer. */
  retired?: {
    manifest: ModelManifest;
    version: string;
    /** The 410's reason, e.g. "this sample was not stored". */
    reason: string;
    /** Told of the stored image served (the access log). */
    served?: (found: FoundSample) => void;
  };
  /** The image of a current version: from the cache or store, else computed. */
  resolve: () => Promise<FoundSample>;
}

/** The PNG of a canonical URL: 304 without reading or computing when the ETag is known to match. */
export async function serveImage(services: Services, c: Context, image: ImageRequest): Promise<Response> {
  // Strict: the signature before anything is looked up, so a 304 or a stored image says
  // nothing to an unsigned URL; an `exp` bounds how long caches keep the answer.
  const strict = await services.access.strictCheck(c);
  const cacheControl = services.access.cacheControlFor(IMMUTABLE_CACHE_CONTROL, strict);
  const { key, ifNoneMatch, retired } = image;
  if (ifNoneMatch !== undefined) {
    const known = await services.samples.etagOf(key);
    if (known !== undefined && etagMatches(ifNoneMatch, known.etag)) {
      return notModifiedResponse({ key, sampler: null, ...known }, cacheControl);
    }
  }
  if (retired !== undefined) {
    const found = await services.samples.find(key);
    if (found === undefined) throw versionGone(retired.manifest, retired.version, retired.reason);
    retired.served?.(found);
    return pngResponse(found, ifNoneMatch, cacheControl);
  }
  return pngResponse(await image.resolve(), ifNoneMatch, cacheControl);
}
