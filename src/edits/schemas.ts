// The queries of the edits (issue 26). POST /v1/class-edits: the encode query's model and
// class (the image's own class, the one F encodes it under), the class to decode it as, G's
// guidance and the sampler that decodes. POST /v1/inpaintings: the class to fill as, the
// fill's seed and its number of steps.

import { z } from "@hono/zod-openapi";
import { EncodeQuerySchema } from "../encode/schemas.js";
import { UINT32_MAX } from "../limits.js";
import { rule } from "../schema-rules.js";

export const MAX_INPAINT_STEPS = 32;
export const DEFAULT_INPAINT_STEPS = 8;

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

const seedRule = rule("seed", `an integer from 0 to ${UINT32_MAX} (uint32)`);
const stepsRule = rule("steps", `an integer from 1 to ${MAX_INPAINT_STEPS}`);

/** The query of POST /v1/inpaintings: the image's class, the seed of the fill, its steps. */
export const InpaintQuerySchema = z.object({
  model: EncodeQuerySchema.shape.model,
  class: EncodeQuerySchema.shape.class.openapi({
    param: { name: "class", in: "query" },
    description: "The class the filled image should be; absent or `null`: unconditional.",
    example: "sneaker",
  }),
  seed: z
    .string(seedRule)
    .regex(/^\d{1,10}$/, seedRule)
    .refine((s) => Number(s) <= UINT32_MAX, seedRule)
    .transform(Number)
    .optional()
    .openapi({
      param: { name: "seed", in: "query" },
      description:
        "The fill's seed (the same inputs and seed give the same bytes); absent: the service picks one (`x-seed`).",
      example: "7",
    }),
  steps: z.coerce
    .number(stepsRule)
    .int(stepsRule)
    .min(1, stepsRule)
    .max(MAX_INPAINT_STEPS, stepsRule)
    .default(DEFAULT_INPAINT_STEPS)
    .openapi({
      param: { name: "steps", in: "query" },
      description: "Rounds of F, partial re-noising, G and the kept pixels put back.",
    }),
  guidance: ClassEditQuerySchema.shape.guidance,
});

export type InpaintQuery = z.infer<typeof InpaintQuerySchema>;
