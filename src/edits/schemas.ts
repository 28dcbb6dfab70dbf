// The query of POST /v1/class-edits (issue 26): the encode query's model and class (the
// image's own class, the one F encodes it under), the class to decode it as, G's guidance and
// the sampler that decodes.

import { z } from "@hono/zod-openapi";
import { EncodeQuerySchema } from "../encode/schemas.js";
import { rule } from "../schema-rules.js";

const toRule = rule("to", "a class index, name or slug of the model, or null");
const guidanceRule = rule("guidance", "a number within the model's guidance range");
const samplerRule = rule("sampler", "one of g, exact");

export const ClassEditQuerySchema = z.object({
  model: EncodeQuerySchema.shape.model,
  class: EncodeQuerySchema.shape.class.openapi({
    param: { name: "class", in: "query" },
    description: "The image's class, under which F encodes it; absent or `null`: unconditional.",
    example: "sneaker",
  }),
  to: z
    .string(toRule)
    .min(1, toRule)
    .max(64, toRule)
    .openapi({
      param: { name: "to", in: "query" },
      description: "The class to decode the image's noise under: index, name or slug; `null`: unconditional.",
      example: "ankle-boot",
    }),
  guidance: z.coerce
    .number(guidanceRule)
    .optional()
    .openapi({
      param: { name: "guidance", in: "query" },
      description: "G's guidance; absent: the model's default guidance (the point of the edit is the class).",
    }),
  sampler: z
    .enum(["g", "exact"], samplerRule)
    .default("g")
    .openapi({
      param: { name: "sampler", in: "query" },
      description:
        "`g` (default): G's one pass on the image's noise. `exact`: F's exact inverse under `to` (where it runs: the Node router and GPU backends, not the Worker).",
    }),
});

export type ClassEditQuery = z.infer<typeof ClassEditQuerySchema>;
