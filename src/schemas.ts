// The request and response schemas of the public API: the same zod schemas validate the
// requests and generate /openapi.json, and each rule's message names its parameter and
// bounds.

import { z } from "@hono/zod-openapi";
import { MAX_SAMPLES, UINT32_MAX } from "./limits.js";
import { rule } from "./schema-rules.js";

export { MAX_SAMPLES, UINT32_MAX };

const nRule = rule("n", `an integer from 1 to ${MAX_SAMPLES}`);
const seedRule = rule("seed", `an integer from 0 to ${UINT32_MAX} (uint32)`);
const guidanceRule = rule("guidance", "a finite number within the model's guidance range");
const classRule = rule("class", "a class index, a class name, or null for unconditional");
const modelRule = rule("model", "a model id from GET /v1/models");
const samplerRule = rule("sampler", "one of g, exact, jacobi");
const iterationsRule = rule("iterations", "an integer 1..tokens, or one per flow block");
const toleranceRule = rule("tolerance", "a number in (0, 1]");

export const SampleRequestSchema = z
  .strictObject(
    {
      model: z.string(modelRule).min(1, modelRule).max(64, modelRule).openapi({ example: "fmnist-biflow-s" }),
      n: z.number(nRule).int(nRule).min(1, nRule).max(MAX_SAMPLES, nRule).openapi({ example: 4 }),
      class: z
        .union([z.number().int().min(0), z.string().min(1).max(64), z.null()], classRule)
        .optional()
        .openapi({ description: "Index, name (any case) or slug; null or absent: unconditional.", example: "sneaker" }),
      seed: z
        .number(seedRule)
        .int(seedRule)
        .min(0, seedRule)
        .max(UINT32_MAX, seedRule)
        .optional()
        .openapi({ description: "Sample i uses seed (seed + i) mod 2^32. Absent: the service picks one." }),
      guidance: z.number(guidanceRule).finite(guidanceRule).optional().openapi({
        description: "Classifier-free guidance scale, rounded to 2 decimals. Absent: the model's default.",
      }),
      sampler: z.enum(["g", "exact", "jacobi"], samplerRule).optional().openapi({
        description:
          "`g` (default): G's one pass. `exact`: F's exact inverse (token by token). `jacobi`: F's inverse by Jacobi iteration (docs/samplers.md).",
      }),
      iterations: z
        .union(
          [z.number().int().min(1).max(4096), z.array(z.number().int().min(1).max(4096)).min(1).max(64)],
          iterationsRule,
        )
        .optional()
        .openapi({
          description:
            "sampler=jacobi: one count for every flow block, or one per block (block 0 first). Absent: the model's default schedule.",
        }),
      tolerance: z.number(toleranceRule).positive(toleranceRule).max(1, toleranceRule).optional().openapi({
        description: "sampler=jacobi: stop an image's block once an update moves no pixel value by more than this.",
      }),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "request body must be a JSON object" : undefined) },
  )
  .openapi("SampleRequest");

export type SampleRequest = z.infer<typeof SampleRequestSchema>;

/** The sample URL's path and query as /openapi.json shows them; parseSampleUrl (src/samples/canonical.ts) checks them. */
export const SampleUrlParamsSchema = z.object({
  model: z
    .string()
    .min(1)
    .max(129)
    .openapi({
      param: { name: "model", in: "path" },
      description: "`{model id}@{version}` (canonical), or the id alone (redirects to the current version).",
      example: "fmnist-biflow-s@1.1.0",
    }),
  class: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "class", in: "path" },
      description: "Slug (canonical), index, name, or `null` for unconditional.",
      example: "sneaker",
    }),
  seed: z
    .string()
    .regex(/^\d{1,10}$/, seedRule)
    .refine((s) => Number(s) <= UINT32_MAX, seedRule)
    .openapi({ param: { name: "seed", in: "path" }, description: "The sample's uint32 seed.", example: "42" }),
});

export const SampleUrlQuerySchema = z.strictObject({
  guidance: z
    .string()
    .regex(/^-?\d{1,6}(\.\d{1,12})?$/, guidanceRule)
    .optional()
    .openapi({
      param: { name: "guidance", in: "query" },
      description: "Two decimals (canonical); absent: redirects to the version's default.",
      example: "0.50",
    }),
  sampler: z
    .enum(["g", "exact", "jacobi"])
    .optional()
    .openapi({
      param: { name: "sampler", in: "query" },
      description:
        "Absent (canonical) or `g`: G's one pass. `exact`: F's exact inverse. `jacobi`: Jacobi decoding of F's inverse (docs/samplers.md).",
    }),
  iterations: z
    .string()
    .optional()
    .openapi({
      param: { name: "iterations", in: "query" },
      description: "sampler=jacobi: one count or one per block (absent: the model's default schedule, redirects).",
    }),
  tolerance: z
    .string()
    .optional()
    .openapi({ param: { name: "tolerance", in: "query" }, description: "sampler=jacobi: per-image early stop." }),
  variant: z
    .string()
    .optional()
    .openapi({ param: { name: "variant", in: "query" }, description: "A variant of the version's weights." }),
});

export const ErrorSchema = z
  .object({
    error: z.object({
      type: z.string().openapi({ example: "invalid_request" }),
      message: z.string().openapi({ example: "n must be an integer from 1 to 64; got 0" }),
      param: z.string().nullable().openapi({ example: "n" }),
    }),
  })
  .openapi("Error");

export const ModelInfoSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    description: z.string(),
    image: z.object({ channels: z.number().int(), height: z.number().int(), width: z.number().int() }),
    classes: z.array(z.object({ index: z.number().int(), name: z.string(), slug: z.string() })),
    null_class: z.number().int(),
    guidance: z.object({ min: z.number(), max: z.number(), default: z.number() }),
    placements: z.array(z.string()),
    parameters: z.record(z.string(), z.number()),
    metrics: z.record(z.string(), z.unknown()),
    encode: z.boolean().openapi({ description: "Whether the model has forward.onnx (POST /v1/encode)." }),
  })
  .openapi("ModelInfo");

export const ModelListSchema = z.object({ models: z.array(ModelInfoSchema) }).openapi("ModelList");

export const SampleItemSchema = z.object({
  index: z.number().int(),
  seed: z.number().int(),
  class: z.number().int().nullable(),
  url: z.string().openapi({ description: "Canonical (versioned, immutable) URL of this sample's PNG." }),
  key: z.string().openapi({ description: "Object key in the store." }),
  object_url: z.string().optional().openapi({ description: "Direct store URL (public or presigned), if configured." }),
  source: z.enum(["cache", "store", "computed"]),
  iterations_run: z.array(z.number().int()).nullable().openapi({
    description: "sampler=jacobi: the iterations this image ran in each flow block (block 0 first); null otherwise.",
  }),
  sampler: z.string().nullable().openapi({
    description:
      'The sampler that computed it for this response ("wasm": in the router; "gpu-pool": a GPU backend); null when it came from the cache or the store.',
  }),
});

export const SampleResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    seed: z.number().int().openapi({ description: "The request seed used (echoed, or picked by the service)." }),
    n: z.number().int(),
    class: z.number().int().nullable(),
    class_name: z.string().nullable(),
    guidance: z.number(),
    sampler: z.enum(["g", "exact", "jacobi"]),
    iterations: z.array(z.number().int()).nullable().openapi({
      description: "sampler=jacobi: the schedule (one count, or one per block); null otherwise.",
    }),
    tolerance: z.number().nullable(),
    samples: z.array(SampleItemSchema),
  })
  .openapi("SampleResponse");

export const HealthSchema = z
  .object({
    status: z.string(),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string() })).optional(),
  })
  .openapi("Health");
