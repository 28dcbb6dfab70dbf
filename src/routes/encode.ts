// POST /v1/encode: a PNG in, its likelihood under the forward model F out (bits/dim, and
// optionally its noise z): the data-to-noise direction of BiFlow.

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { EncodeQuerySchema, EncodeResponseSchema, type EncodeQuery, type EncodeResponse } from "../encode/schemas.js";
import { bitsPerDim, logLikelihood, rasterToTensor } from "../encode/likelihood.js";
import { ApiError, invalidParam } from "../errors.js";
import { resolveClass } from "../models/classes.js";
import type { ModelEntry } from "../models/registry.js";
import type { ModelManifest } from "../models/manifest.js";
import { decodePng, PngError, readPngHeader } from "../png/decode.js";
import type { Raster } from "../png/format.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses, limitBody, parseOrThrow } from "./common.js";
import { runEncoder } from "../encoding.js";

export const PNG_TYPE = "image/png";

function describeShape(s: { channels: number; height: number; width: number }): string {
  return `${s.width}x${s.height} ${s.channels === 1 ? "greyscale" : "RGB"}`;
}

function pngError(err: unknown): unknown {
  return err instanceof PngError
    ? invalidParam("body", `body must be an 8-bit greyscale or RGB PNG: ${err.message}`)
    : err;
}

/** The model's image shape is checked on IHDR, before anything is inflated (issue 10). */
export async function readPng(bytes: Uint8Array, manifest: ModelManifest): Promise<Raster> {
  const { image } = manifest;
  let header;
  try {
    // Any size passes here so the message can name it; decodePng below bounds it.
    header = readPngHeader(bytes, { maxPixels: Infinity });
  } catch (err) {
    throw pngError(err);
  }
  if (header.width !== image.width || header.height !== image.height || header.channels !== image.channels) {
    throw invalidParam(
      "body",
      `image must be ${describeShape(image)} for model ${manifest.id}; got ${describeShape(header)}`,
    );
  }
  try {
    return await decodePng(bytes, { maxPixels: image.width * image.height });
  } catch (err) {
    throw pngError(err);
  }
}

/** A validated encode request: the model, the class (null: unconditional) and the image. */
export interface EncodeInput {
  model: ModelEntry;
  classIndex: number | null;
  raster: Raster;
}

/**
 * The input rules of /v1/encode, shared by /v1/reconstruct: the model exists and has F,
 * the class resolves, the body is a PNG of the model's shape (checked before inflating).
 */
export async function readEncodeInput(
  services: Services,
  query: { model: string; class?: string | undefined },
  contentType: string | undefined,
  body: Uint8Array,
): Promise<EncodeInput> {
  if (contentType?.split(";")[0]?.trim().toLowerCase() !== PNG_TYPE) {
    throw new ApiError("unsupported_media_type", "Content-Type must be image/png");
  }
  const model = requireModel(services.registry, query.model);
  const { manifest } = model;
  if (!model.hasFile("forward")) {
    throw invalidParam("model", `model ${manifest.id} has no forward.onnx, so it cannot encode`);
  }
  const classIndex = resolveClass(manifest, query.class);
  const raster = await readPng(body, manifest);
  return { model, classIndex, raster };
}

/** Validates everything, then runs F once and converts its output to a likelihood. */
export async function encodeImage(
  services: Services,
  rawQuery: Record<string, string | undefined>,
  contentType: string | undefined,
  body: Uint8Array,
): Promise<EncodeResponse> {
  const query: EncodeQuery = parseOrThrow(EncodeQuerySchema, rawQuery);
  const { model, classIndex, raster } = await readEncodeInput(services, query, contentType, body);
  const { manifest } = model;
  const [encoded] = await runEncoder(services, model, classIndex ?? manifest.null_class, rasterToTensor(raster), 1);
  if (encoded === undefined) throw new ApiError("internal", "internal error");
  const logp = logLikelihood(encoded.z, encoded.logdet);
  return {
    model: manifest.id,
    version: manifest.version,
    class: classIndex,
    class_name: classIndex === null ? null : (manifest.classes[classIndex] ?? null),
    image: manifest.image,
    log_likelihood_nats: logp,
    bits_per_dim: bitsPerDim(logp, encoded.z.length),
    ...(query.noise === "true" || query.noise === "1" ? { z: Array.from(encoded.z) } : {}),
  };
}

/** The OpenAPI route of a POST that takes one PNG (MAX_IMAGE_BYTES) and answers JSON: encode and reconstruct. */
/** What a PNG upload route answers with 200: a JSON schema, or a PNG. */
type UploadAnswer<R extends z.ZodType> = { json: R } | { png: true };

export function pngUploadRoute<Q extends z.ZodObject, R extends z.ZodType>(options: {
  path: string;
  summary: string;
  query: Q;
  answer: UploadAnswer<R>;
  description: string;
  maxImageBytes: number;
  /** Further documented answers (a 422 for a sampler that does not run here). */
  more?: Record<number, (typeof errorResponses)[400]>;
}) {
  const content =
    "json" in options.answer
      ? { "application/json": { schema: options.answer.json } }
      : { [PNG_TYPE]: { schema: z.string().openapi({ format: "binary" }) } };
  return createRoute({
    method: "post",
    path: options.path,
    tags: ["encode"],
    summary: options.summary,
    middleware: [limitBody(options.maxImageBytes)] as const,
    request: {
      query: options.query,
      body: { required: true, content: { [PNG_TYPE]: { schema: z.string().openapi({ format: "binary" }) } } },
    },
    responses: {
      200: { description: options.description, content },
      ...errorResponses,
      413: { ...errorResponses[400], description: "Body over the size limit." },
      415: { ...errorResponses[400], description: "Body is not image/png." },
      ...options.more,
    },
  });
}

function encodeRoute(maxImageBytes: number) {
  return pngUploadRoute({
    path: "/v1/encode",
    summary: "Likelihood of a PNG under the forward model F (bits/dim), optionally its noise z",
    query: EncodeQuerySchema,
    answer: { json: EncodeResponseSchema },
    description: "The likelihood.",
    maxImageBytes,
  });
}

export function registerEncodeRoutes(app: OpenAPIHono, services: Services): void {
  app.openapi(encodeRoute(services.config.maxImageBytes), async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    return c.json(await encodeImage(services, c.req.query(), c.req.header("content-type"), body), 200);
  });
}
