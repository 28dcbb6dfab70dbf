// The request body of POST /v1/jobs. Field names are the public contract (issue 14): either
// `count` (with an optional job `seed`) or `seeds: {from, to}`; optional `webhook_url`.

import { z } from "@hono/zod-openapi";
import { UINT32_MAX } from "../limits.js";
import { rule } from "../schema-rules.js";

const uint32 = (param: string) => {
  const r = rule(param, `an integer from 0 to ${UINT32_MAX} (uint32)`);
  return z.number(r).int(r).min(0, r).max(UINT32_MAX, r);
};

const classRule = rule("class", "a class index, a class name, or null for unconditional");
const classValue = z.union([z.number().int().min(0), z.string().min(1).max(64), z.null()], classRule);
const classesRule = rule("classes", `"all" or a list of 1 to 64 classes (index, name or null)`);
const countRule = rule("count", "a positive integer (images in total, spread evenly over the classes)");
const iterationsRule = rule("iterations", "one count, or one per flow block, each 1..4096");
const outputsRule = rule("outputs", `a list of "tar" and "npz"`);

export const JobRequestSchema = z
  .strictObject(
    {
      model: z.string(rule("model", "a model id from GET /v1/models")).min(1).max(64),
      version: z.string(rule("version", "the model's current version")).min(1).max(64).optional(),
      sampler: z.string(rule("sampler", "a sampler name")).min(1).max(16).optional(),
      iterations: z
        .union(
          [z.number().int().min(1).max(4096), z.array(z.number().int().min(1).max(4096)).min(1).max(64)],
          iterationsRule,
        )
        .optional(),
      tolerance: z.number(rule("tolerance", "a number in (0, 1]")).positive().max(1).optional(),
      guidance: z.number(rule("guidance", "a finite number within the model's guidance range")).finite().optional(),
      class: classValue.optional(),
      classes: z.union([z.literal("all"), z.array(classValue).min(1).max(64)], classesRule).optional(),
      count: z.number(countRule).int(countRule).min(1, countRule).optional(),
      seed: uint32("seed").optional(),
      seeds: z
        .strictObject({ from: uint32("seeds.from"), to: uint32("seeds.to") }, rule("seeds", "{from, to}"))
        .optional(),
      webhook_url: z.string(rule("webhook_url", "an http(s) URL")).min(1).max(2048).optional(),
      outputs: z
        .array(z.enum(["tar", "npz"], outputsRule), outputsRule)
        .max(2, outputsRule)
        .optional(),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "request body must be a JSON object" : undefined) },
  )
  .openapi("JobRequest");

export type JobRequest = z.infer<typeof JobRequestSchema>;
