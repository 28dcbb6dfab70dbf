// The model manifest (docs/MODEL-CONTRACT.md) as a zod schema: what the service relies on
// is checked when a model is registered; unknown fields are kept and ignored.

import { z } from "zod";

/** Model ids and versions become URL path segments and object key segments. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const TensorSpec = z.looseObject({
  name: z.string().min(1),
  dtype: z.string().min(1),
  shape: z.array(z.union([z.string(), z.number().int()])),
});

const FileSpec = z.looseObject({
  path: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, "a file name inside the model folder")
    .refine((p) => p !== "." && p !== "..", "a file name inside the model folder"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits"),
  bytes: z.number().int().positive(),
  inputs: z.array(TensorSpec).optional(),
  outputs: z.array(TensorSpec).optional(),
});

export const ManifestSchema = z
  .looseObject({
    schema: z.literal(1),
    id: z.string().regex(SEGMENT, "letters, digits, '.', '_' or '-' (at most 64)"),
    version: z.string().regex(SEGMENT, "letters, digits, '.', '_' or '-' (at most 64)"),
    description: z.string().default(""),
    image: z.object({
      channels: z.union([z.literal(1), z.literal(3)]),
      height: z.number().int().min(1).max(4096),
      width: z.number().int().min(1).max(4096),
    }),
    classes: z.array(z.string().min(1)).min(1),
    null_class: z.number().int().min(0),
    guidance: z
      .object({ min: z.number(), max: z.number(), default: z.number() })
      .refine((g) => g.min <= g.default && g.default <= g.max, "min <= default <= max"),
    placements: z.array(z.enum(["edge", "gpu", "browser"])),
    files: z.looseObject({
      reverse: FileSpec,
      forward: FileSpec.optional(),
      decode_step: FileSpec.optional(),
      jacobi_step: FileSpec.optional(),
    }),
    parameters: z.record(z.string(), z.number()).default({}),
    metrics: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((m) => m.null_class === m.classes.length, {
    message: "null_class must equal the number of classes (the label-dropped class K)",
    path: ["null_class"],
  });

export type ModelManifest = z.infer<typeof ManifestSchema>;
export type ModelFileKind = "reverse" | "forward" | "decode_step" | "jacobi_step";
export type FileSpec = z.infer<typeof FileSpec>;

export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

/** Parses a manifest; the error lists each broken field by its path. */
export function parseManifest(json: unknown, source: string): ModelManifest {
  const result = ManifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ManifestError(`${source}: invalid manifest: ${problems.join("; ")}`);
  }
  return result.data;
}
