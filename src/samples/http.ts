// The HTTP metadata every stored or served sample PNG carries, shared by the router, the
// GPU backend (which writes samples to S3 itself) and the static routes.

export const PNG_CONTENT_TYPE = "image/png";
/** Sample URLs and keys never change meaning (versioned keys), so caches may keep them forever. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
