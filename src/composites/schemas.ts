// The schemas of the composite routes for /openapi.json and validation: the interpolation
// and class-grid URLs (parsed strictly by src/samples/composites.ts) and the image-pair POST.

import { z } from "@hono/zod-openapi";
import { EncodeQuerySchema } from "../encode/schemas.js";
import { DEFAULT_FRAMES, MAX_FRAMES, MIN_FRAMES } from "../samples/composites.js";
import { SampleUrlParamsSchema, SampleUrlQuerySchema } from "../schemas.js";

const modelParam = SampleUrlParamsSchema.shape.model;
const guidanceQuery = SampleUrlQuerySchema.shape.guidance;
const framesRule = { error: `frames must be an integer from ${MIN_FRAMES} to ${MAX_FRAMES}` };

export const InterpolationUrlParamsSchema = z.object({
  model: modelParam,
  class: z
    .string()
    .openapi({ param: { name: "class", in: "path" }, description: "Class slug, or `null`.", example: "sneaker" }),
  seeds: z
    .string()
    .openapi({ param: { name: "seeds", in: "path" }, description: "`{seedA}-{seedB}`, uint32 each.", example: "1-2" }),
});

export const InterpolationUrlQuerySchema = z.strictObject({
  guidance: guidanceQuery,
  frames: z
    .string()
    .optional()
    .openapi({
      param: { name: "frames", in: "query" },
      description: `Frames ${MIN_FRAMES}..${MAX_FRAMES}; absent: redirects to ${DEFAULT_FRAMES}.`,
      example: "8",
    }),
});

export const GridUrlParamsSchema = z.object({
  model: modelParam,
  seed: z.string().openapi({ param: { name: "seed", in: "path" }, description: "uint32.", example: "42" }),
});

export const GridUrlQuerySchema = z.strictObject({ guidance: guidanceQuery });

export const InterpolateImagesQuerySchema = z.object({
  model: EncodeQuerySchema.shape.model,
  class: EncodeQuerySchema.shape.class,
  frames: z.coerce
    .number(framesRule)
    .int(framesRule)
    .min(MIN_FRAMES, framesRule)
    .max(MAX_FRAMES, framesRule)
    .default(DEFAULT_FRAMES)
    .openapi({ param: { name: "frames", in: "query" } }),
  guidance: z.coerce
    .number()
    .optional()
    .openapi({
      param: { name: "guidance", in: "query" },
      description: "G's guidance; absent: 0 (as reconstructions).",
    }),
});
