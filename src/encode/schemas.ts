// The schemas of POST /v1/encode (query and response), shared by validation and
// /openapi.json like the other routes' schemas.

import { z } from "@hono/zod-openapi";

const modelRule = { error: "model is required: a model id from GET /v1/models" };
const noiseRule = { error: "noise must be true or false" };

export const EncodeQuerySchema = z.object({
  model: z
    .string(modelRule)
    .min(1, modelRule)
    .max(64, modelRule)
    .openapi({ param: { name: "model", in: "query" }, example: "fmnist-biflow-s" }),
  class: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({
      param: { name: "class", in: "query" },
      description: "Index, name or slug for the class-conditional likelihood; absent or `null`: unconditional.",
      example: "sneaker",
    }),
  noise: z
    .enum(["true", "false", "1", "0"], noiseRule)
    .optional()
    .openapi({ param: { name: "noise", in: "query" }, description: "Also return z (row-major [C,H,W])." }),
});

/** What every answer about one uploaded image names: the model, its version, the class and the shape. */
export const EncodedImageFields = {
  model: z.string(),
  version: z.string(),
  class: z.number().int().nullable(),
  class_name: z.string().nullable(),
  image: z.object({ channels: z.number().int(), height: z.number().int(), width: z.number().int() }),
};

export const EncodeResponseSchema = z
  .object({
    ...EncodedImageFields,
    log_likelihood_nats: z.number().openapi({ description: "log p(x) of the image scaled to [-1, 1], in nats." }),
    bits_per_dim: z.number().openapi({ description: "-log2 p of the 8-bit image per dimension (0..255 scale)." }),
    z: z.array(z.number()).optional().openapi({ description: "The image's noise under F, when noise=true." }),
  })
  .openapi("EncodeResponse");

export type EncodeQuery = z.infer<typeof EncodeQuerySchema>;
export type EncodeResponse = z.infer<typeof EncodeResponseSchema>;
