// The backend's access log: one JSON line per signed request (method, route, status, ms and
// the router's X-Request-Id, validated by hono/request-id), so a client's id can be followed
// from the router's line to the backend's. Unsigned probes and scrapes log at debug only.

import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { Clock } from "../../../src/clock.js";
import { REQUEST_ID_MAX_LENGTH } from "../../../src/limits.js";
import type { Logger } from "../../../src/logger.js";

/** Health probes and metric scrapes arrive every few seconds from every router: not worth a line each. */
function isProbe(path: string): boolean {
  return path.startsWith("/health/") || path === "/metrics";
}

export function backendAccessLog(deps: { clock: Clock; logger: Logger }): MiddlewareHandler[] {
  const observe: MiddlewareHandler = async (c, next) => {
    const started = deps.clock.monotonic();
    await next();
    const ms = deps.clock.monotonic() - started;
    const fields = {
      method: c.req.method,
      // The matched pattern, never the raw path: bounded, and nothing a client chose.
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round(ms * 100) / 100,
      request_id: c.get("requestId"),
    };
    if (isProbe(c.req.path)) deps.logger.debug("request", fields);
    else deps.logger.info("request", fields);
  };
  return [requestId({ limitLength: REQUEST_ID_MAX_LENGTH }), observe];
}
