// The backend's Hono app: health and metrics (unsigned, for probes and scrapers), the
// signed readiness probe GET /v1/handshake (for routers: it fails on a wrong secret) and
// the signed POST /v1/generate; every error goes through the core's one error mapping, and every
// request writes one access-log line carrying the router's X-Request-Id (./access-log.ts).

import { Hono } from "hono";
import type { Clock } from "../../../src/clock.js";
import {
  CONTRACT_VERSION,
  CONTRACT_VERSIONS,
  GENERATE_PATH,
  GenerateRequestSchema,
  HANDSHAKE_PATH,
} from "../../../src/contract/backend-v1.js";
import { ApiError, errorResponse, toApiError, type ErrorType } from "../../../src/errors.js";
import type { Logger } from "../../../src/logger.js";
import { PROMETHEUS_CONTENT_TYPE } from "../../../src/metrics.js";
import { validationError } from "../../../src/validation.js";
import { backendAccessLog } from "./access-log.js";
import { requireSignature, type AuthDeps, type SignedEnv } from "./auth.js";
import { generate, type GenerateDeps } from "./generate.js";

export interface BackendAppDeps extends GenerateDeps {
  auth: Omit<AuthDeps, "onRefused" | "clock">;
  logger: Logger;
  clock: Clock;
  /** Worker threads started and at least one model loaded. */
  ready: () => boolean;
}

/** The requests_total outcome of an error type. */
function outcome(type: ErrorType): string {
  switch (type) {
    case "unauthorized":
      return "unauthorized";
    case "model_not_found":
      return "not_found";
    case "overloaded":
      return "overloaded";
    case "deadline_exceeded":
      return "deadline";
    default:
      return type === "invalid_request" || type === "invalid_json" || type === "payload_too_large"
        ? "invalid"
        : "error";
  }
}

export function createBackendApp(deps: BackendAppDeps): Hono<SignedEnv> {
  const app = new Hono<SignedEnv>();
  const { telemetry } = deps;
  app.use("*", ...backendAccessLog(deps));

  app.get("/health/live", (c) => c.json({ status: "ok" }));

  const readiness = () => {
    const models = [...deps.models.values()].map(({ entry }) => ({
      id: entry.manifest.id,
      version: entry.manifest.version,
      execution_provider: deps.providers.get(entry.ref) ?? "unknown",
      samplers: [...(deps.samplers?.get(entry.ref) ?? ["g"])],
    }));
    const ready = deps.ready() && models.length > 0;
    const body = {
      status: ready ? "ready" : "not_ready",
      contract: CONTRACT_VERSION,
      contracts: [...CONTRACT_VERSIONS],
      models,
      queue: deps.batcher.depth,
    };
    return { ready, body };
  };
  const signed = requireSignature({
    ...deps.auth,
    clock: deps.clock,
    onRefused: (reason) => deps.logger.warn("request refused", { reason }),
  });

  app.get("/health/ready", (c) => {
    const { ready, body } = readiness();
    return c.json(body, ready ? 200 : 503);
  });

  // The same answer, only for a router whose signature verifies (see HANDSHAKE_PATH).
  app.get(HANDSHAKE_PATH, signed, (c) => {
    const { ready, body } = readiness();
    return c.json(body, ready ? 200 : 503);
  });

  app.get("/metrics", (c) => c.text(telemetry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));

  app.post(GENERATE_PATH, signed, async (c) => {
    const receivedAt = deps.clock.monotonic();
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(c.get("body")));
    } catch {
      throw new ApiError("invalid_json", "request body is not valid JSON");
    }
    const parsed = GenerateRequestSchema.safeParse(json);
    if (!parsed.success) throw validationError(parsed.error);
    const response = await generate(deps, parsed.data, receivedAt);
    telemetry.requests.inc({ outcome: "ok" });
    return c.json(response);
  });

  app.notFound(() => errorResponse(new ApiError("not_found", "no such route")));
  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (c.req.path === GENERATE_PATH) telemetry.requests.inc({ outcome: outcome(apiError.type) });
    if (!apiError.isClientFault && apiError.type !== "overloaded") {
      deps.logger.error("request failed", { type: apiError.type, error: apiError.cause ?? err });
    }
    return errorResponse(apiError);
  });
  return app;
}
