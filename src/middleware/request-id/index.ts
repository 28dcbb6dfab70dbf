// X-Request-Id: the client's own when it is short and plain (so its logs and ours join),
// otherwise a fresh UUID; kept in the context for the access log and the backend calls, and
// echoed on every response, error responses included. The header is set after the handler
// answered (src/middleware/response-headers.ts says why).

import type { MiddlewareHandler } from "hono";
import { setResponseHeaders } from "../response-headers.js";

export const REQUEST_ID_HEADER = "x-request-id";

/** Word characters, '-' and '=' only: a request id goes into logs and headers verbatim. */
const PLAIN = /^[\w\-=]+$/;

/** The id of a request that sent `given` (its X-Request-Id header, if any). */
export function chooseRequestId(given: string | undefined, limitLength: number): string {
  return given !== undefined && given.length <= limitLength && PLAIN.test(given) ? given : crypto.randomUUID();
}

export function requestId(options: { limitLength: number }): MiddlewareHandler {
  return async (c, next) => {
    const id = chooseRequestId(c.req.header(REQUEST_ID_HEADER), options.limitLength);
    c.set("requestId", id);
    await next();
    setResponseHeaders(c, { [REQUEST_ID_HEADER]: id });
  };
}
