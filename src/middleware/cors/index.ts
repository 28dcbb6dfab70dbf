// CORS (hono/cors): sample URLs, /v1/models and the model files answer any origin, since
// pages embed them; the POST endpoints answer only the origins in CORS_ORIGINS.

import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** The endpoints that compute or store on request: POST only, behind API_KEYS when set. */
export const POST_ENDPOINTS: readonly string[] = [
  "/v1/samples",
  "/v1/encode",
  "/v1/reconstruct",
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
  "retry-after",
  "ratelimit",
  "ratelimit-policy",
];
const maxAge = 600;

/** One middleware for /v1/*: the open policy for GET resources, the listed origins for POSTs. */
export function corsPolicy(origins: readonly string[]): MiddlewareHandler {
  const open = cors({ origin: "*", allowMethods: ["GET", "HEAD"], allowHeaders, exposeHeaders, maxAge });
  const listed = cors({
    origin: origins.includes("*") ? "*" : (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ["POST"],
    allowHeaders,
    exposeHeaders,
    maxAge,
  });
  const jobs = cors({
    origin: origins.includes("*") ? "*" : (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "DELETE"],
    allowHeaders,
    exposeHeaders,
    maxAge,
  });
  return (c, next) => {
    const { path } = c.req;
    if (path === JOBS_PATH || path.startsWith(`${JOBS_PATH}/`)) return jobs(c, next);
    return POST_ENDPOINTS.includes(path) ? listed(c, next) : open(c, next);
  };
}
