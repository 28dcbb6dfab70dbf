// The router <-> GPU backend contract: POST /v1/generate, JSON both ways, signed per
// signing.ts. Both sides validate with these schemas; add fields, never change one's meaning.
// Contract 1: G's one pass. Contract 2 adds `sampler` (exact, jacobi): a backend lists the
// contracts it speaks and each model's samplers in its readiness answer, and a router sends
// contract 2 only to backends that announce the sampler (an older one would answer 400),
// and contract 1 for G, which every backend speaks. Contract 3 adds `noise` (issue 26): the
// images' own noise instead of the seeds', for the edits (class edits, inpainting,
// reconstruction, interpolation); a router sends it only to backends that list 3.

import { z } from "zod";
import { UINT32_MAX } from "../schemas.js";

export const CONTRACT_VERSION = 1;
/** The contract that carries `sampler` (issues 12, 16). */
export const SAMPLER_CONTRACT_VERSION = 2;
/** The contract that carries `noise` (issue 26). */
export const NOISE_CONTRACT_VERSION = 3;
/** What a backend of this build speaks (its readiness answer's `contracts`). */
export const CONTRACT_VERSIONS = [CONTRACT_VERSION, SAMPLER_CONTRACT_VERSION, NOISE_CONTRACT_VERSION] as const;
const ContractSchema = z.union([
  z.literal(CONTRACT_VERSION),
  z.literal(SAMPLER_CONTRACT_VERSION),
  z.literal(NOISE_CONTRACT_VERSION),
]);

/** A sampler on the wire: canonical (Jacobi schedules one count or one per block). */
export const WireSamplerSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("g") }),
  z.strictObject({ kind: z.literal("exact") }),
  z.strictObject({
    kind: z.literal("jacobi"),
    iterations: z.array(z.number().int().min(1).max(4096)).min(1).max(64),
    tolerance: z.number().positive().max(1).nullable(),
  }),
]);
export const GENERATE_PATH = "/v1/generate";
/**
 * The signed readiness probe: a GET with an empty body, signed like /v1/generate, answered
 * with the body of GET /health/ready. Unsigned health cannot tell a router that the
 * backend will refuse its requests; this one answers 401 when BACKEND_SECRET differs.
 */
export const HANDSHAKE_PATH = "/v1/handshake";
/** A request holds at most this many seeds (the public API's n bound). */
export const MAX_SEEDS = 64;
/** Largest deadline a caller may give; longer work is not what this service is for. */
export const MAX_TIMEOUT_MS = 600_000;

/**
 * Where the PNGs go: `s3` writes them under the sample keys (src/keys.ts) and returns the
 * keys; `inline` returns base64 PNGs; `s3+inline` does both.
 */
export const OUTPUT_MODES = ["s3", "inline", "s3+inline"] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export const GenerateRequestSchema = z
  .strictObject({
    contract: ContractSchema,
    model: z.string().min(1).max(64),
    /** The backend refuses a request for another version than it loaded: keys name versions. */
    version: z.string().min(1).max(64),
    /** Class index, or null for unconditional (the backend feeds the manifest's null_class). */
    class: z.number().int().min(0).nullable(),
    /** Canonical guidance (two decimals), as in the sample keys. */
    guidance: z.number().finite(),
    seeds: z.array(z.number().int().min(0).max(UINT32_MAX)).min(1).max(MAX_SEEDS),
    output: z.enum(OUTPUT_MODES),
    /** Budget from receipt: work not started by then is dropped, and the request fails with 504. */
    timeout_ms: z.number().int().min(1).max(MAX_TIMEOUT_MS),
    /** Contract 2: how to draw the images; absent: G's one pass. */
    sampler: WireSamplerSchema.optional(),
    /**
     * Contract 3: the images' noise, base64 of little-endian float32 [seeds.length, C, H, W],
     * decoded instead of the seeds' noise; `seeds` then only number the images. Such images
     * are no sample's, so they have no key and `output` must be `inline`.
     */
    noise: z.string().min(1).optional(),
  })
  .refine((r) => r.sampler === undefined || r.contract !== CONTRACT_VERSION, {
    message: "sampler needs contract 2 or 3",
    path: ["sampler"],
  })
  .refine((r) => (r.noise !== undefined) === (r.contract === NOISE_CONTRACT_VERSION), {
    message: "noise comes with contract 3, and contract 3 with noise",
    path: ["noise"],
  })
  .refine((r) => r.noise === undefined || r.output === "inline", {
    message: "images of given noise are not stored: output must be inline",
    path: ["output"],
  });

export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

export const TimingsSchema = z.object({
  /** From receipt until the last batch holding one of its images started. */
  queue: z.number(),
  /** Model run time of the batches it ran in (each batch counted once). */
  inference: z.number(),
  encode: z.number(),
  upload: z.number(),
  total: z.number(),
});

export type Timings = z.infer<typeof TimingsSchema>;

export const GeneratedSampleSchema = z.object({
  seed: z.number().int(),
  /** The sample key; "" for an image of given noise (contract 3). */
  key: z.string(),
  /** sampler=jacobi: iterations run per flow block (also in the PNG's tEXt). */
  iterations: z.array(z.number().int()).optional(),
  /** Present for the inline output modes. */
  png: z.string().optional(),
});

export const GenerateResponseSchema = z.looseObject({
  contract: ContractSchema,
  model: z.string(),
  version: z.string(),
  execution_provider: z.string(),
  /** The largest batch any of its images ran in (images of all requests in that batch). */
  batch_size: z.number().int().min(1),
  /** How many batches its images were split over (more than one when n > MAX_BATCH). */
  batches: z.number().int().min(1),
  stored: z.boolean(),
  timings_ms: TimingsSchema,
  samples: z.array(GeneratedSampleSchema),
});

export type GenerateResponse = z.infer<typeof GenerateResponseSchema>;

/** What GET /health/ready of a backend says, enough for the pool to route by model. */
export const BackendReadySchema = z.looseObject({
  status: z.string(),
  contract: z.number().int(),
  /** Every contract it speaks; absent: only `contract` (a backend older than contract 2). */
  contracts: z.array(z.number().int()).optional(),
  models: z.array(
    z.looseObject({
      id: z.string(),
      version: z.string(),
      execution_provider: z.string(),
      /** The samplers it runs for the model; absent: G's one pass only (an older backend). */
      samplers: z.array(z.string()).optional(),
    }),
  ),
});

export type BackendReady = z.infer<typeof BackendReadySchema>;
