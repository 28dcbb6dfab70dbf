// POST /v1/samples (n samples, their seed and immutable URLs) and the on-demand sample URL
// GET /v1/samples/{model}/{class}/{seed}.png: thin handlers over plain functions.

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError } from "../errors.js";
import type { SampleOutcome } from "../middleware/context.js";
import { resolveClass } from "../models/classes.js";
import { sampleSeeds } from "../noise/gaussian.js";
import { pickSeed, resolveGuidance } from "../samples/params.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "../samples/http.js";
import type { ResolvedSample, SampleTarget } from "../samples/service.js";
import { samplePath } from "../samples/urls.js";
import {
  SampleRequestSchema,
  SampleResponseSchema,
  SampleUrlParamsSchema,
  SampleUrlQuerySchema,
  type SampleRequest,
} from "../schemas.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses, limitBody, parseOrThrow } from "./common.js";

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
  const seed = body.seed ?? pickSeed(services.random);
  const { observe, ...request } = scope;
  const resolved = await services.samples.resolve({
    model,
    classIndex,
    seeds: sampleSeeds(seed, body.n),
    guidance,
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
        url: origin + (await services.access.handOut(samplePath(manifest, classIndex, s.seed, guidance))),
        key: s.key,
        ...(objectUrl === undefined ? {} : { object_url: objectUrl }),
        source: s.source,
        sampler: s.sampler,
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
    samples,
  };
}

/** GET /v1/samples/{model}/{class}/{seed}.png: one sample, from cache, store or sampler. */
export async function getSample(
  services: Services,
  raw: { model: string; class: string; seed: string; guidance: string | undefined },
  scope: RequestScope = {},
): Promise<ResolvedSample> {
  const params = parseOrThrow(SampleUrlParamsSchema, raw);
  const query = parseOrThrow(SampleUrlQuerySchema, { guidance: raw.guidance });
  const model = requireModel(services.registry, params.model);
  const classIndex = resolveClass(model.manifest, params.class);
  const guidance = resolveGuidance(model.manifest, query.guidance === undefined ? undefined : Number(query.guidance));
  const { observe, ...request } = scope;
  const resolved = await services.samples.resolve({
    model,
    classIndex,
    seeds: [Number(params.seed)],
    guidance,
    ...request,
  });
  observe?.(resolved);
  const [sample] = resolved;
  if (sample === undefined) throw new ApiError("internal", "internal error");
  return sample;
}

/** If-None-Match uses the weak comparison (RFC 9110 section 13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}

export function pngResponse(sample: ResolvedSample, ifNoneMatch: string | undefined): Response {
  const headers = {
    "cache-control": IMMUTABLE_CACHE_CONTROL,
    etag: sample.etag,
    "x-sample-source": sample.source,
    "x-sample-key": sample.key,
    // Which sampler computed it ("wasm", "gpu-pool"); "none" for cache and store hits.
    "x-sampler": sample.sampler ?? "none",
  };
  if (etagMatches(ifNoneMatch, sample.etag)) return new Response(null, { status: 304, headers });
  return new Response(sample.bytes.slice(), {
    status: 200,
    headers: { ...headers, "content-type": PNG_CONTENT_TYPE, "content-length": String(sample.bytes.length) },
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
    const sample = await getSample(
      services,
      {
        model: c.req.param("model"),
        class: c.req.param("class"),
        seed: c.req.param("file").replace(/\.png$/, ""),
        guidance: c.req.query("guidance"),
      },
      await scopeOf(services, c, true),
    );
    return pngResponse(sample, c.req.header("if-none-match"));
  });

  // Hono's path syntax cannot say "{seed}.png", so this route is documented by hand, with
  // the same schemas that getSample validates with.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: PNG_ROUTE_NAME,
    tags: ["samples"],
    summary: "One sample as PNG: deterministic, cacheable forever (ETag, immutable)",
    request: { params: SampleUrlParamsSchema, query: SampleUrlQuerySchema },
    responses: {
      200: { description: "The PNG.", content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } } },
      304: { description: "Not modified (If-None-Match matched the ETag)." },
      ...errorResponses,
    },
  });
}
