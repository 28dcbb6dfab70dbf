// The schemas of POST /v1/reconstruct (query and response): the encode query without
// `noise`, and the reconstruction G(F(x)) with its PSNR against the input.

import { z } from "@hono/zod-openapi";
import { EncodedImageFields, EncodeQuerySchema } from "../encode/schemas.js";

export const ReconstructQuerySchema = EncodeQuerySchema.pick({ model: true, class: true });

export const ReconstructResponseSchema = z
  .object({
    ...EncodedImageFields,
    guidance: z.number().openapi({ description: "The guidance G was run with: 0, G's conditional pass alone." }),
    psnr_db: z.number().openapi({
      description: "PSNR of the reconstruction's 8-bit pixels against the input's, in dB (capped at 100).",
    }),
    png_base64: z.string().openapi({ description: "The reconstruction G(F(x)), a PNG, base64." }),
  })
  .openapi("ReconstructResponse");

export type ReconstructQuery = z.infer<typeof ReconstructQuerySchema>;
export type ReconstructResponse = z.infer<typeof ReconstructResponseSchema>;
