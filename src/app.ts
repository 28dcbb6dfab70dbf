// createApp(deps): the Hono app of the edge router, built only from injected dependencies
// (models, samplers, object store, cache, clock, config, logger), so Node and Workers share it.

import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { SampleCache } from "./cache/sample-cache.js";
import { systemClock, type Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { NoiseDecoder } from "./decoder.js";
import type { Encoder } from "./encoder.js";
import { ApiError, errorResponse, toApiError } from "./errors.js";
import { silentLogger, type Logger } from "./logger.js";
import { REQUEST_ID_MAX_LENGTH } from "./limits.js";
import { observeRequests } from "./middleware/access-log/index.js";
import { requireApiKey, requireToken } from "./middleware/api-key/index.js";
import { requestId } from "./middleware/request-id/index.js";
import { addressKey } from "./middleware/client-ip/index.js";
import { corsPolicy, POST_ENDPOINTS } from "./middleware/cors/index.js";
import { limitRequests, TokenBucketLimiter, type Limiters } from "./middleware/rate-limit/index.js";
import { SampleAccess } from "./middleware/sample-access/index.js";
import type { ModelRegistry } from "./models/registry.js";
import { playgroundAssets } from "./playground/assets.generated.js";
import type { OrtWebFiles } from "./playground/ort-web-files.js";
import type { JobsAttachment } from "./jobs/host.js";
import { JobRecords } from "./jobs/records.js";
import { registerJobRoutes } from "./jobs/routes.js";
import { registerEncodeRoutes } from "./routes/encode.js";
import { registerReconstructRoutes } from "./routes/reconstruct.js";
import { registerClassEditRoutes } from "./routes/class-edits.js";
import { registerInpaintingRoutes } from "./routes/inpaintings.js";
import { registerInterpolationRoutes } from "./routes/interpolations.js";
import { registerGridRoutes } from "./routes/grids.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerModelFileRoutes } from "./routes/model-files.js";
import { registerModelRoutes } from "./routes/models.js";
import { registerPlaygroundRoutes } from "./routes/playground.js";
import { PNG_ROUTE, PNG_ROUTE_NAME, registerSampleRoutes } from "./routes/samples.js";
import type { ChooseSampler, Sampler } from "./sampler.js";
import { cryptoRandom, type RandomSource } from "./samples/params.js";
import { SampleService } from "./samples/service.js";
import type { HeldHits, Services } from "./services.js";
import type { ObjectStore } from "./storage/object-store.js";
import { Telemetry } from "./telemetry.js";
import { validationError } from "./validation.js";

export interface AppDeps {
  config: Config;
  registry: ModelRegistry;
  /** In routing order: the first that accepts a batch computes it (unless `choose` is given). */
  samplers: readonly Sampler[];
  /** The routing policy (src/routing/policy.ts); by default the first sampler that accepts. */
  choose?: ChooseSampler;
  /** Retry-After (seconds) of the 503 when no sampler can take a batch now. */
  retryAfterSeconds?: number;
  /** Encoders for POST /v1/encode, in order: the first that accepts a model encodes. */
  encoders?: readonly Encoder[];
  /** Decoders of given noise for /v1/reconstruct and interpolations, in order. */
  decoders?: readonly NoiseDecoder[];
  store: ObjectStore;
  cache: SampleCache;
  clock?: Clock;
  logger?: Logger;
  /** Seed source for requests without a seed (crypto.getRandomValues by default). */
  random?: RandomSource;
  telemetry?: Telemetry;
  /** onnxruntime-web's browser files for the playground; absent: the page samples on the server only. */
  ortWebFiles?: OrtWebFiles;
  /**
   * The client's address for per-client rate limits (the runtime knows it: the socket and
   * TRUSTED_PROXIES on Node, CF-Connecting-IP on Workers); absent: all clients are one.
   */
  clientAddress?: (c: Context) => string | undefined;
  /** The rate limiters; by default in-process token buckets for the RATE_LIMIT_* variables set. */
  limiters?: Limiters;
  /** Batch jobs' executor (src/jobs/host.ts); absent: no jobs API here (404). */
  jobs?: JobsAttachment;
  /** Cache hits the runtime answers itself once the app has served them (Node: src/samples/hot-hits.ts). */
  heldHits?: HeldHits;
}

export const API_VERSION = "0.1.0";

/** In-process token buckets for the limits the configuration switches on (Node). */
export function tokenBucketLimiters(
  config: Config,
  clock: Clock,
): { requests?: TokenBucketLimiter; images?: TokenBucketLimiter } {
  const { requestsPerMinute, imagesPerMinute } = config.access;
  return {
    ...(requestsPerMinute > 0 ? { requests: new TokenBucketLimiter("requests", requestsPerMinute, clock) } : {}),
    ...(imagesPerMinute > 0 ? { images: new TokenBucketLimiter("images", imagesPerMinute, clock) } : {}),
  };
}

/**
 * The route pattern that handled a request, for metric labels of bounded cardinality.
 * After next(), routePath names the last handler that ran; a catch-all means no route did.
 */
function routeLabel(route: string): string {
  if (route === PNG_ROUTE) return PNG_ROUTE_NAME;
  return route === "*" || route === "/*" ? "unmatched" : route;
}

export function createApp(deps: AppDeps): OpenAPIHono {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const telemetry = deps.telemetry ?? new Telemetry();
  const { access } = deps.config;
  const limiters = deps.limiters ?? tokenBucketLimiters(deps.config, clock);
  const clientAddress = deps.clientAddress ?? (() => undefined);
  const clientKey = (c: Context) => c.get("clientKey") ?? addressKey(clientAddress(c));
  const services: Services = {
    config: deps.config,
    registry: deps.registry,
    samplers: deps.samplers,
    encoders: deps.encoders ?? [],
    decoders: deps.decoders ?? [],
    store: deps.store,
    cache: deps.cache,
    telemetry,
    logger,
    clock,
    random: deps.random ?? cryptoRandom,
    access: new SampleAccess(access, limiters, clock, clientKey),
    samples: new SampleService({
      samplers: deps.samplers,
      store: deps.store,
      cache: deps.cache,
      telemetry,
      logger,
      clock,
      sampleTimeoutMs: deps.config.sampleTimeoutMs,
      ...(deps.choose === undefined ? {} : { choose: deps.choose }),
      ...(deps.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: deps.retryAfterSeconds }),
    }),
    ...(deps.heldHits === undefined ? {} : { heldHits: deps.heldHits }),
  };

  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });

  app.use("*", requestId({ limitLength: REQUEST_ID_MAX_LENGTH }));
  app.use("*", observeRequests({ clock, logger, telemetry, route: (c) => routeLabel(c.req.routePath) }));
  // Before the 405 check, so preflights (OPTIONS) are answered.
  app.use("/v1/*", corsPolicy(access.corsOrigins));

  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        errorResponse(
          new ApiError("method_not_allowed", `${c.req.method} is not allowed here; allowed: ${methods.join(", ")}`, {
            headers: { allow: methods.join(", ") },
          }),
        ),
    }),
  );

  if (access.metricsToken !== undefined) app.use("/metrics", requireToken(access.metricsToken));
  if (access.apiKeyDigests.length > 0) {
    const check = requireApiKey(access.apiKeyDigests);
    for (const path of POST_ENDPOINTS) app.post(path, check);
    // A job belongs to the key that made it: reading and cancelling need it too.
    app.use("/v1/jobs/*", check);
  }
  // After the key check, so quotas count per key where there is one.
  if (limiters.requests !== undefined) app.use("/v1/*", limitRequests(limiters.requests, clientKey));

  registerModelRoutes(app, services);
  registerModelFileRoutes(app, services);
  registerSampleRoutes(app, services);
  registerEncodeRoutes(app, services);
  registerReconstructRoutes(app, services);
  registerClassEditRoutes(app, services);
  registerInpaintingRoutes(app, services);
  registerInterpolationRoutes(app, services);
  registerGridRoutes(app, services);
  // Only where an executor runs them (Node's runner, the Worker's queue consumer): a
  // runtime without one answers 404 rather than accept jobs that would never start.
  if (deps.jobs !== undefined) {
    const jobRecords = new JobRecords(deps.store);
    registerJobRoutes(app, services, jobRecords, deps.jobs);
    deps.jobs.attach(services, jobRecords, limiters);
  }
  // The page links the images it makes in the browser by their unsigned canonical URLs,
  // which strict signing refuses: rather a clear 404 than a page of broken images.
  const playgroundOff = services.access.strict
    ? "URL_SIGNING_MODE=strict serves signed image URLs only, and the page links unsigned ones"
    : undefined;
  registerPlaygroundRoutes(app, playgroundAssets, deps.ortWebFiles, playgroundOff);
  registerHealthRoutes(app, services);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "biflow-edge",
      version: API_VERSION,
      description: "BiFlow image generation: one-pass samples with deterministic, immutable URLs.",
    },
  });

  app.notFound((c) =>
    errorResponse(new ApiError("not_found", `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`)),
  );
  app.onError((err) => {
    const apiError = toApiError(err);
    if (!apiError.isClientFault) logger.error("request failed", { type: apiError.type, error: apiError.cause ?? err });
    return errorResponse(apiError);
  });
  return app;
}
