// POST /v1/samples (n samples, their seed and canonical URLs) and the on-demand sample URL
// GET /v1/samples/{model}@{version}/{class}/{seed}.png?guidance=w: canonical URLs answer the
// PNG (immutable), other forms redirect to theirs (docs/SAMPLE-URLS.md).

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, invalidParam } from "../errors.js";
import { resolveSamplerSpec, type AskedSampler } from "../flow/samplers.js";
import type { SampleOutcome } from "../middleware/context.js";
import { classLabel, resolveClass } from "../models/classes.js";
import type { ModelEntry } from "../models/registry.js";
import { sampleSeeds } from "../noise/gaussian.js";
import { canonicalSamplePath, parseSampleUrl, sampleKey } from "../samples/canonical.js";
import { pickSeed, resolveGuidance } from "../samples/params.js";
import { IMMUTABLE_CACHE_CONTROL } from "../samples/http.js";
import { iterationsRun } from "../samples/png-responses.js";
import { resolveSampleUrl, type ResolvedSampleUrl } from "../samples/sample-url.js";
import { redirectToCanonical, serveImage } from "../samples/serve-image.js";
import type { ResolvedSample, SampleTarget } from "../samples/service.js";
import {
  SampleRequestSchema,
  SampleResponseSchema,
  SampleUrlParamsSchema,
  SampleUrlQuerySchema,
  type SampleRequest,
} from "../schemas.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses, limitBody } from "./common.js";

type SampleResponse = z.infer<typeof SampleResponseSchema>;

/** What a request adds to its samples' resolution: its admission check, its id, an observer. */
export interface RequestScope extends Pick<SampleTarget, "admit" | "requestId"> {
  observe?: (samples: readonly ResolvedSample[]) => void;
}

/** The scope of request `c`: admission by URL signature (GET only) and image quota; the access log's outcome. */
async function scopeOf(services: Services, c: Context, signedUrl: boolean): Promise<RequestScope> {
  const signature = signedUrl ? await services.access.checkUrl(c) : undefined;
  return {
    admit: services.access.admit(c, signature),
    requestId: c.get("requestId"),
    observe: (samples) => c.set("sampleOutcome", outcomeOf(samples)),
  };
}

/** For the access log: what any sample of the request cost (computed over store over cache). */
export function outcomeOf(samples: readonly ResolvedSample[]): SampleOutcome | undefined {
  for (const source of ["computed", "store", "cache"] as const) {
    const found = samples.find((s) => s.source === source);
    if (found !== undefined) return { source, sampler: found.sampler };
  }
  return undefined;
}

/** POST /v1/samples: validates model-dependent rules, then resolves every sample. */
export async function createSamples(
  services: Services,
  body: SampleRequest,
  origin: string,
  scope: RequestScope = {},
): Promise<SampleResponse> {
  const model = requireModel(services.registry, body.model);
  const { manifest } = model;
  const classIndex = resolveClass(manifest, body.class);
  const guidance = resolveGuidance(manifest, body.guidance);
  const sampler = resolveSamplerSpec(manifest, askedSampler(body));
  const seed = body.seed ?? pickSeed(services.random);
  const { observe, ...request } = scope;
  const resolved = await services.samples.resolve({
    model,
    classIndex,
    seeds: sampleSeeds(seed, body.n),
    guidance,
    sampler,
    ...request,
  });
  observe?.(resolved);
  const samples = await Promise.all(
    resolved.map(async (s, index) => {
      const objectUrl = await services.store.objectUrl(s.key);
      return {
        index,
        seed: s.seed,
        class: classIndex,
        url:
          origin +
          (await services.access.handOut(
            canonicalSamplePath(
              { modelId: manifest.id, version: manifest.version, classIndex, seed: s.seed, guidance, sampler },
              classLabel(manifest, classIndex),
            ),
          )),
        key: s.key,
        ...(objectUrl === undefined ? {} : { object_url: objectUrl }),
        source: s.source,
        sampler: s.sampler,
        iterations_run: sampler.kind === "jacobi" ? (iterationsRun(s.bytes) ?? null) : null,
      };
    }),
  );
  return {
    model: manifest.id,
    version: manifest.version,
    seed,
    n: body.n,
    class: classIndex,
    class_name: classIndex === null ? null : (manifest.classes[classIndex] ?? null),
    guidance,
    sampler: sampler.kind,
    iterations: sampler.kind === "jacobi" ? [...sampler.iterations] : null,
    tolerance: sampler.kind === "jacobi" ? sampler.tolerance : null,
    samples,
  };
}

/** The sampler fields of a POST body, as the URL parser gives them. */
function askedSampler(body: SampleRequest): AskedSampler {
  if (body.sampler !== "jacobi") {
    const extra = body.iterations !== undefined ? "iterations" : body.tolerance !== undefined ? "tolerance" : undefined;
    if (extra !== undefined) throw invalidParam(extra, `${extra} applies to sampler=jacobi only`);
  }
  if (body.sampler === undefined) return undefined;
  if (body.sampler !== "jacobi") return { kind: body.sampler };
  const { iterations } = body;
  return {
    kind: "jacobi",
    iterations: iterations === undefined ? undefined : typeof iterations === "number" ? [iterations] : iterations,
    tolerance: body.tolerance ?? null,
  };
}

/**
 * The PNG of a canonical URL (src/samples/serve-image.ts): 304 from the ETag alone, a
 * version no longer loaded from the store or 410, never computed by the current model.
 */
export function canonicalSample(
  services: Services,
  c: Context,
  model: ModelEntry,
  target: ResolvedSampleUrl,
  ifNoneMatch: string | undefined,
  scope: RequestScope = {},
): Promise<Response> {
  const { observe, ...request } = scope;
  return serveImage(services, c, {
    key: sampleKey(target.id),
    ifNoneMatch,
    ...(target.current
      ? {}
      : {
          retired: {
            manifest: model.manifest,
            version: target.id.version,
            reason: "this sample was not stored",
            served: (found) => observe?.([{ ...found, seed: target.id.seed, shared: false }]),
          },
        }),
    resolve: async () => {
      const resolved = await services.samples.resolve({
        model,
        classIndex: target.id.classIndex,
        seeds: [target.id.seed],
        guidance: target.id.guidance,
        ...(target.id.sampler === undefined ? {} : { sampler: target.id.sampler }),
        ...request,
      });
      observe?.(resolved);
      const [sample] = resolved;
      if (sample === undefined) throw new ApiError("internal", "internal error");
      return sample;
    },
  });
}

function createSamplesRoute(maxBodyBytes: number) {
  return createRoute({
    method: "post",
    path: "/v1/samples",
    tags: ["samples"],
    summary: "Generate n samples; returns the seed used and one immutable URL per sample",
    middleware: [limitBody(maxBodyBytes)] as const,
    request: { body: { required: true, content: { "application/json": { schema: SampleRequestSchema } } } },
    responses: {
      200: { description: "The samples (stored).", content: { "application/json": { schema: SampleResponseSchema } } },
      ...errorResponses,
      413: { ...errorResponses[400], description: "Body over the size limit." },
      415: { ...errorResponses[400], description: "Body is not application/json." },
    },
  });
}

export const PNG_ROUTE = "/v1/samples/:model/:class/:file{[^/]+\\.png}";
/** How the PNG route is named in /openapi.json and in metric labels. */
export const PNG_ROUTE_NAME = "/v1/samples/{model}/{class}/{seed}.png";

export function registerSampleRoutes(app: OpenAPIHono, services: Services): void {
  app.openapi(createSamplesRoute(services.config.maxBodyBytes), async (c) => {
    const body = c.req.valid("json");
    const response = await createSamples(services, body, new URL(c.req.url).origin, await scopeOf(services, c, false));
    return c.json(response, 200);
  });

  app.get(PNG_ROUTE, async (c) => {
    const url = new URL(c.req.url);
    const parts = parseSampleUrl(url);
    const model = requireModel(services.registry, parts.model);
    const target = resolveSampleUrl(parts, model.manifest);
    if (!target.isCanonical) return redirectToCanonical(services, c, target.canonical);
    const ifNoneMatch = c.req.header("if-none-match");
    const response = await canonicalSample(services, c, model, target, ifNoneMatch, await scopeOf(services, c, true));
    // A plain GET served from the cache: the Node server answers this target itself from now
    // on. Not in strict mode, whose answers depend on the signature and the time.
    const { heldHits } = services;
    if (
      heldHits !== undefined &&
      response.status === 200 &&
      c.req.method === "GET" &&
      ifNoneMatch === undefined &&
      !services.access.strict &&
      c.get("sampleOutcome")?.source === "cache"
    ) {
      heldHits.remember(
        url.pathname + url.search,
        sampleKey(target.id),
        services.access.cacheControlFor(IMMUTABLE_CACHE_CONTROL, undefined),
      );
    }
    return response;
  });

  // Hono's path syntax cannot say "{seed}.png", so this route is documented by hand, with
  // the schemas that describe what parseSampleUrl checks.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: PNG_ROUTE_NAME,
    tags: ["samples"],
    summary: "One sample as PNG; its canonical URL (docs/SAMPLE-URLS.md) is cacheable forever (ETag, immutable)",
    request: { params: SampleUrlParamsSchema, query: SampleUrlQuerySchema },
    responses: {
      200: {
        description: "The PNG (canonical URLs only).",
        content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
      },
      302: { description: "Not the canonical URL: Location is (short max-age)." },
      304: { description: "Not modified (If-None-Match matched the ETag)." },
      ...errorResponses,
      410: { ...errorResponses[400], description: "A version no longer loaded, and this sample was not stored." },
    },
  });
}
