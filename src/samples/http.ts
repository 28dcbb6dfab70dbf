// The HTTP metadata every stored or served sample PNG carries, shared by the router, the
// GPU backend (which writes samples to S3 itself) and the static routes.

export const PNG_CONTENT_TYPE = "image/png";
/** Sample URLs and keys never change meaning (versioned keys), so caches may keep them forever. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

/**
 * `cacheControl` for an answer to a URL that stops being valid at `expiresAt` (Unix seconds,
 * a signed URL's `exp`): its max-age is cut to the time left, so that no cache serves it
 * after the expiry. Without an expiry, `cacheControl` as it is.
 */
export function cacheControlUntil(cacheControl: string, expiresAt: number | undefined, nowMs: number): string {
  if (expiresAt === undefined) return cacheControl;
  const left = Math.max(0, Math.floor(expiresAt - nowMs / 1000));
  const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)?.[1] ?? left);
  return `public, max-age=${Math.min(maxAge, left)}`;
}
