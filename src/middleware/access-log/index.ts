// Observes every request once it is answered: the request metrics, and one JSON access-log
// line (method, route, status, ms, source, sampler, request id); never headers or keys.
// Answers that never enter the app (the Node server's held cache hits, src/samples/hot-hits.ts)
// count the same series (requestLabels) and write the same line (logRequest).

import type { Context, MiddlewareHandler } from "hono";
import type { Clock } from "../../clock.js";
import type { Logger } from "../../logger.js";
import type { Telemetry } from "../../telemetry.js";
import type { SampleOutcome } from "../context.js";
import "../context.js";

export interface ObserveDeps {
  clock: Clock;
  logger: Logger;
  telemetry: Telemetry;
  /** The route pattern that answered, of bounded cardinality (never the raw path). */
  route: (c: Context) => string;
}

/** One answered request, as the metrics and the access log see it. */
export interface RequestRecord {
  method: string;
  /** The route pattern (bounded), never the raw path. */
  route: string;
  status: number;
  ms: number;
  outcome: SampleOutcome | undefined;
  requestId: string;
}

/** The labels of the request metrics: requests by route, method and status; latency by route. */
export function requestLabels(r: Pick<RequestRecord, "route" | "method" | "status">): {
  requests: Record<string, string>;
  seconds: Record<string, string>;
} {
  return { requests: { route: r.route, method: r.method, status: String(r.status) }, seconds: { route: r.route } };
}

/** The request's access-log line. */
export function logRequest(logger: Logger, r: RequestRecord): void {
  logger.info("request", {
    method: r.method,
    route: r.route,
    status: r.status,
    ms: Math.round(r.ms * 100) / 100,
    source: r.outcome?.source ?? null,
    sampler: r.outcome?.sampler ?? null,
    request_id: r.requestId,
  });
}

export function observeRequests(deps: ObserveDeps): MiddlewareHandler {
  return async (c, next) => {
    const started = deps.clock.monotonic();
    await next();
    const ms = deps.clock.monotonic() - started;
    const record: RequestRecord = {
      method: c.req.method,
      route: deps.route(c),
      status: c.res.status,
      ms,
      outcome: c.get("sampleOutcome"),
      requestId: c.get("requestId"),
    };
    const labels = requestLabels(record);
    deps.telemetry.requests.inc(labels.requests);
    deps.telemetry.requestSeconds.observe(labels.seconds, ms / 1000);
    logRequest(deps.logger, record);
  };
}
