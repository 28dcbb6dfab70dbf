// POST /v1/samples (n samples, their seed and canonical URLs) and the on-demand sample URL
// GET /v1/samples/{model}@{version}/{class}/{seed}.png?guidance=w: canonical URLs answer the
// PNG (immutable), other forms redirect to theirs (docs/SAMPLE-URLS.md).

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, invalidParam } from "../errors.js";
import { ITERATIONS_TEXT_KEY, parseIterations, resolveSamplerSpec, type AskedSampler } from "../flow/samplers.js";
import { readPngText } from "../png/text.js";
import type { SampleOutcome } from "../middleware/context.js";
import { classLabel, resolveClass } from "../models/classes.js";
import type { ModelEntry } from "../models/registry.js";
import { sampleSeeds } from "../noise/gaussian.js";
import { canonicalSamplePath, parseSampleUrl, sampleKey } from "../samples/canonical.js";
import { pickSeed, resolveGuidance } from "../samples/params.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "../samples/http.js";
import { resolveSampleUrl, versionGone, type ResolvedSampleUrl } from "../samples/sample-url.js";
import type { FoundSample, ResolvedSample, SampleTarget } from "../samples/service.js";
import {
  SampleRequestSchema,
  SampleResponseSchema,
  SampleUrlParamsSchema,
  SampleUrlQuerySchema,
  type SampleRequest,
} from "../schemas.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses, limitBody } from "./common.js";

/** Redirects to a canonical URL may change with the next release: caches keep them briefly. */
export const REDIRECT_CACHE_CONTROL = "public, max-age=60";

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

/** The iterations per block a Jacobi sample ran, as its PNG records them. */
export function iterationsRun(png: Uint8Array): number[] | undefined {
  return parseIterations(readPngText(png)[ITERATIONS_TEXT_KEY]);
}

/** A redirect to the canonical URL (path and query, relative to this origin). */
export function redirectResponse(location: string): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": REDIRECT_CACHE_CONTROL } });
}

/**
 * The PNG of a canonical URL. A conditional GET whose ETag the cache or the store's metadata
 * confirms answers 304 without reading or computing the image; a version no longer loaded
 * is served from the store or answers 410, never computed by the current model.
 */
export async function canonicalSample(
  services: Services,
  model: ModelEntry,
  target: ResolvedSampleUrl,
  ifNoneMatch: string | undefined,
  scope: RequestScope = {},
): Promise<Response> {
  const key = sampleKey(target.id);
  const { observe, ...request } = scope;
  if (ifNoneMatch !== undefined) {
    const known = await services.samples.etagOf(key);
    if (known !== undefined && etagMatches(ifNoneMatch, known.etag)) {
      return new Response(null, { status: 304, headers: pngHeaders({ key, sampler: null, ...known }) });
    }
  }
  if (!target.current) {
    const found = await services.samples.find(key);
    if (found === undefined) throw versionGone(model.manifest, target.id.version, "this sample was not stored");
    observe?.([{ ...found, seed: target.id.seed, shared: false }]);
    return pngResponse(found, ifNoneMatch);
  }
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
  return pngResponse(sample, ifNoneMatch);
}

/** If-None-Match uses the weak comparison (RFC 9110 section 13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}

function pngHeaders(
  sample: Pick<FoundSample, "etag" | "source" | "key" | "sampler"> & { bytes?: Uint8Array },
): Record<string, string> {
  const iterations = sample.bytes === undefined ? undefined : iterationsRun(sample.bytes);
  return {
    // A Jacobi sample: the iterations it ran per flow block (block 0 first), from its PNG.
    ...(iterations === undefined ? {} : { "x-jacobi-iterations": iterations.join(",") }),
    "cache-control": IMMUTABLE_CACHE_CONTROL,
    etag: sample.etag,
    "x-sample-source": sample.source,
    "x-sample-key": sample.key,
    // Which sampler computed it ("engine", "wasm", "gpu-pool"). A cache or store hit has none
    // and sends no X-Sampler, as its JSON says `"sampler": null` and its access-log line `null`.
    ...(sample.sampler === null ? {} : { "x-sampler": sample.sampler }),
  };
}

export function pngResponse(sample: FoundSample, ifNoneMatch: string | undefined): Response {
  const headers = pngHeaders(sample);
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
    const parts = parseSampleUrl(new URL(c.req.url));
    const model = requireModel(services.registry, parts.model);
    const target = resolveSampleUrl(parts, model.manifest);
    if (!target.isCanonical) {
      // A validly signed URL redirects to its canonical URL signed afresh (same expiry); an
      // unsigned one to the unsigned canonical URL, which computes nothing while signing is on.
      const signature = await services.access.checkUrl(c);
      const location =
        signature?.ok === true
          ? await services.access.handOut(target.canonical, signature.expiresAt)
          : target.canonical;
      return redirectResponse(location);
    }
    return canonicalSample(services, model, target, c.req.header("if-none-match"), await scopeOf(services, c, true));
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
