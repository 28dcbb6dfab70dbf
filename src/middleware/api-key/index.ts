// API_KEYS: the POST endpoints need `Authorization: Bearer <key>` whose SHA-256 is one of
// the configured digests; the key itself is never stored, logged or echoed.

import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../errors.js";
import { bearerToken, hexBytes, matchDigest } from "../bearer/index.js";
import "../context.js";

export function unauthorized(message: string): ApiError {
  return new ApiError("unauthorized", message, { headers: { "www-authenticate": 'Bearer realm="biflow"' } });
}

/** Refuses the request with 401 unless it carries an accepted key; then quotas count per key. */
export function requireApiKey(digestsHex: readonly string[]): MiddlewareHandler {
  const digests = digestsHex.map(hexBytes);
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (token === undefined) throw unauthorized("an API key is required: send Authorization: Bearer <key>");
    const index = await matchDigest(token, digests);
    if (index === undefined) throw unauthorized("the API key is not accepted");
    // A digest prefix names the key in quotas; the digest of a random key reveals nothing.
    c.set("clientKey", `key:${(digestsHex[index] ?? "").slice(0, 16)}`);
    await next();
  };
}

/** METRICS_TOKEN: the one bearer token /metrics accepts, compared by digest in constant time. */
export function requireToken(token: string): MiddlewareHandler {
  const digests = crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)).then((d) => [new Uint8Array(d)]);
  return async (c, next) => {
    const given = bearerToken(c.req.header("authorization"));
    if (given === undefined || (await matchDigest(given, await digests)) === undefined) {
      throw unauthorized("this endpoint needs Authorization: Bearer <METRICS_TOKEN>");
    }
    await next();
  };
}
