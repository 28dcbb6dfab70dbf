// The headers both bare Hono baselines (bare-hono.ts on Node, bare-hono-worker.ts in workerd)
// answer their PNG with: the router's body headers, a fixed ETag.

export function bareHeaders(length: number): Record<string, string> {
  return {
    "content-type": "image/png",
    "cache-control": "public, max-age=31536000, immutable",
    etag: '"bare"',
    "content-length": String(length),
  };
}
