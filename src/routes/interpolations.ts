// Interpolation strips (issue 12): GET /v1/interpolations/{model}@{version}/{class}/{a}-{b}.png
// (between the noises of two seeds; canonical and immutable) and POST /v1/interpolations
// (between two uploaded images through F, multipart `a` and `b`; not stored).

import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { interpolationStrip } from "../composites/images.js";
import {
  InterpolateImagesQuerySchema,
  InterpolationUrlParamsSchema,
  InterpolationUrlQuerySchema,
} from "../composites/schemas.js";
import { rasterToTensor } from "../encode/likelihood.js";
import { ApiError, invalidParam } from "../errors.js";
import { classLabel, resolveClass } from "../models/classes.js";
import { standardNormal } from "../noise/gaussian.js";
import { canonicalGuidance } from "../samples/canonical.js";
import {
  canonicalInterpolationPath,
  DEFAULT_FRAMES,
  interpolationKey,
  parseInterpolationUrl,
  type InterpolationId,
} from "../samples/composites.js";
import { resolveGuidance } from "../samples/params.js";
import { versionGone } from "../samples/sample-url.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses, limitBody, parseOrThrow } from "./common.js";
import { serveComposite } from "./composite-http.js";
import { readPng } from "./encode.js";
import { runEncoder } from "../encoding.js";
import { asField, filePart, readForm, requireMultipart } from "./multipart.js";

export const INTERPOLATION_ROUTE = "/v1/interpolations/:model/:class/:file{[^/]+\\.png}";
const INTERPOLATION_ROUTE_NAME = "/v1/interpolations/{model}/{class}/{seeds}.png";

/** The two images of the POST form, read and checked like /v1/encode's body. */
async function readPair(services: Services, request: Request, query: z.infer<typeof InterpolateImagesQuerySchema>) {
  requireMultipart(request, "PNG fields a and b");
  const model = requireModel(services.registry, query.model);
  if (!model.hasFile("forward")) {
    throw invalidParam("model", `model ${model.manifest.id} has no forward.onnx, so it cannot encode`);
  }
  const form = await readForm(request);
  const images = await Promise.all(
    (["a", "b"] as const).map(async (field) => {
      const bytes = await filePart(form, field);
      return asField(field, () => readPng(bytes, model.manifest));
    }),
  );
  return { model, images };
}

function seedStrip(services: Services) {
  return async (c: Context) => {
    const parts = parseInterpolationUrl(new URL(c.req.url));
    const model = requireModel(services.registry, parts.model);
    const { manifest } = model;
    const version = parts.version ?? manifest.version;
    const current = version === manifest.version;
    let guidance: number;
    if (current) guidance = resolveGuidance(manifest, parts.guidance);
    else if (parts.guidance === undefined) throw versionGone(manifest, version, "its default guidance is unknown");
    else guidance = canonicalGuidance(parts.guidance);
    const classIndex = resolveClass(manifest, parts.classText);
    const id: InterpolationId = {
      modelId: manifest.id,
      version,
      classIndex,
      seedA: parts.seedA,
      seedB: parts.seedB,
      guidance,
      frames: parts.frames ?? DEFAULT_FRAMES,
    };
    const { channels, height, width } = manifest.image;
    const size = channels * height * width;
    return serveComposite(services, c, {
      manifest,
      version,
      canonical: canonicalInterpolationPath(id, classLabel(manifest, classIndex)),
      unsigned: parts.unsigned,
      key: interpolationKey(id),
      images: id.frames,
      compute: () =>
        interpolationStrip(services, {
          model,
          classIndex,
          // The seeds' own noises (src/noise/gaussian.ts): the end frames are the seeds' samples.
          from: standardNormal(id.seedA, size),
          to: standardNormal(id.seedB, size),
          frames: id.frames,
          guidance,
        }),
    });
  };
}

export function registerInterpolationRoutes(app: OpenAPIHono, services: Services): void {
  app.get(INTERPOLATION_ROUTE, seedStrip(services));

  app.post("/v1/interpolations", limitBody(2 * services.config.maxImageBytes + 16_384), async (c) => {
    const query = parseOrThrow(InterpolateImagesQuerySchema, c.req.query());
    const { model, images } = await readPair(services, c.req.raw, query);
    const { manifest } = model;
    const classIndex = resolveClass(manifest, query.class);
    const guidance = query.guidance === undefined ? 0 : resolveGuidance(manifest, query.guidance);
    const classInput = classIndex ?? manifest.null_class;
    const [a, b] = await Promise.all(
      images.map(async (raster) => {
        const [encoded] = await runEncoder(services, model, classInput, rasterToTensor(raster), 1);
        if (encoded === undefined) throw new ApiError("internal", "internal error");
        return encoded.z;
      }),
    );
    if (a === undefined || b === undefined) throw new ApiError("internal", "internal error");
    const strip = await interpolationStrip(services, {
      model,
      classIndex,
      from: a,
      to: b,
      frames: query.frames,
      guidance,
    });
    return new Response(strip.png.slice(), {
      status: 200,
      headers: { "content-type": "image/png", "cache-control": "no-store", "x-frames": String(query.frames) },
    });
  });

  app.openAPIRegistry.registerPath({
    method: "get",
    path: INTERPOLATION_ROUTE_NAME,
    tags: ["samples"],
    summary: "G on the spherical interpolation between two seeds' noises: `frames` images as one PNG strip",
    request: { params: InterpolationUrlParamsSchema, query: InterpolationUrlQuerySchema },
    responses: {
      200: {
        description: "The strip (canonical URLs only; immutable).",
        content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
      },
      302: { description: "Not the canonical URL: Location is." },
      304: { description: "Not modified." },
      ...errorResponses,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/interpolations",
    tags: ["encode"],
    summary: "Interpolation between two uploaded PNGs (multipart fields a, b) through F: one PNG strip",
    request: {
      query: InterpolateImagesQuerySchema,
      body: {
        required: true,
        content: {
          "multipart/form-data": {
            schema: z.object({
              a: z.string().openapi({ format: "binary" }),
              b: z.string().openapi({ format: "binary" }),
            }),
          },
        },
      },
    },
    responses: {
      200: {
        description: "The strip.",
        content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
      },
      ...errorResponses,
    },
  });
}
