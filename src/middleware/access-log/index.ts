// Observes every request once it is answered: the request metrics, and one JSON access-log
// line (method, route, status, ms, source, sampler, request id); never headers or keys.

import type { Context, MiddlewareHandler } from "hono";
import type { Clock } from "../../clock.js";
import type { Logger } from "../../logger.js";
import type { Telemetry } from "../../telemetry.js";
import "../context.js";

export interface ObserveDeps {
  clock: Clock;
  logger: Logger;
  telemetry: Telemetry;
  /** The route pattern that answered, of bounded cardinality (never the raw path). */
  route: (c: Context) => string;
}

export function observeRequests(deps: ObserveDeps): MiddlewareHandler {
  return async (c, next) => {
    const started = deps.clock.monotonic();
    await next();
    const ms = deps.clock.monotonic() - started;
    const route = deps.route(c);
    const status = c.res.status;
    deps.telemetry.requests.inc({ route, method: c.req.method, status: String(status) });
    deps.telemetry.requestSeconds.observe({ route }, ms / 1000);
    const outcome = c.get("sampleOutcome");
    deps.logger.info("request", {
      method: c.req.method,
      route,
      status,
      ms: Math.round(ms * 100) / 100,
      source: outcome?.source ?? null,
      sampler: outcome?.sampler ?? null,
      request_id: c.get("requestId"),
    });
  };
}
