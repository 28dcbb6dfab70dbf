// CORS (hono/cors): sample URLs, /v1/models and the model files answer any origin, since
// pages embed them; the POST endpoints answer only the origins in CORS_ORIGINS.

import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { setResponseHeaders } from "../response-headers.js";

/** The endpoints that compute or store on request: POST only, behind API_KEYS when set. */
export const POST_ENDPOINTS: readonly string[] = [
  "/v1/samples",
  "/v1/encode",
  "/v1/reconstruct",
  "/v1/class-edits",
  "/v1/inpaintings",
  "/v1/interpolations",
  "/v1/jobs",
];

/** Jobs belong to API keys: reading and cancelling them follow the POST policy (CORS_ORIGINS) too. */
const JOBS_PATH = "/v1/jobs";

const allowHeaders = ["content-type", "authorization", "x-request-id", "if-none-match"];
const exposeHeaders = [
  "x-request-id",
  "etag",
  "location",
  "x-sample-source",
  "x-sample-key",
  "x-sampler",
  "x-jacobi-iterations",
  "x-edit-from",
  "x-edit-to",
  "x-edit-sampler",
  "x-model-version",
  "x-guidance",
  "x-class",
  "x-seed",
  "x-steps",
  "retry-after",
  "ratelimit",
  "ratelimit-policy",
];
const maxAge = 600;

interface Policy {
  /** The Access-Control-Allow-Origin value for a request's Origin, or null for none. */
  allow(origin: string): string | null;
  /** The answer depends on the request's Origin: caches must key on it (Vary). */
  variesByOrigin: boolean;
  /** hono/cors answers preflights (OPTIONS). */
  preflight: MiddlewareHandler;
}

function policy(origin: "*" | readonly string[], allowMethods: string[]): Policy {
  const allow = origin === "*" ? () => "*" : (given: string) => (origin.includes(given) ? given : null);
  return {
    allow,
    variesByOrigin: origin !== "*",
    preflight: cors({ origin: origin === "*" ? "*" : allow, allowMethods, allowHeaders, exposeHeaders, maxAge }),
  };
}

const EXPOSE_HEADERS = exposeHeaders.join(",");

/** The CORS headers of a non-preflight answer to a request whose Origin is allowed as `allowOrigin` (null: not). */
function answerHeaders(allowOrigin: string | null): Record<string, string> {
  return {
    ...(allowOrigin === null ? {} : { "access-control-allow-origin": allowOrigin }),
    "access-control-expose-headers": EXPOSE_HEADERS,
  };
}

/**
 * What every non-preflight answer of the open policy (sample URLs, /v1/models, model files)
 * carries, whatever the request's Origin: answers prepared ahead of requests use it as is.
 */
export const OPEN_CORS_HEADERS: Readonly<Record<string, string>> = answerHeaders("*");

/**
 * One middleware for /v1/*: the open policy for GET resources, the listed origins for POSTs.
 * Preflights go to hono/cors; on other requests the headers are added once the handler
 * answered (src/middleware/response-headers.ts says why), as hono/cors would add them.
 */
export function corsPolicy(origins: readonly string[]): MiddlewareHandler {
  const listedOrigins = origins.includes("*") ? "*" : origins;
  const open = policy("*", ["GET", "HEAD"]);
  const listed = policy(listedOrigins, ["POST"]);
  const jobs = policy(listedOrigins, ["GET", "POST", "DELETE"]);
  return async (c, next) => {
    const { path } = c.req;
    const chosen =
      path === JOBS_PATH || path.startsWith(`${JOBS_PATH}/`) ? jobs : POST_ENDPOINTS.includes(path) ? listed : open;
    if (c.req.method === "OPTIONS") return chosen.preflight(c, next);
    await next();
    setResponseHeaders(
      c,
      chosen === open ? OPEN_CORS_HEADERS : answerHeaders(chosen.allow(c.req.header("origin") ?? "")),
    );
    if (chosen.variesByOrigin) setResponseHeaders(c, { vary: "Origin" }, { append: true });
  };
}
