// Which samplers a loaded model version runs, and a requested sampler resolved against it:
// `exact` needs decode_step.onnx, `jacobi` needs jacobi_step.onnx; a Jacobi request without
// a schedule gets the version's measured default (manifest `jacobi.default_iterations`).

import { z } from "zod";
import { invalidParam } from "../errors.js";
import type { ModelManifest } from "../models/manifest.js";
import { canonicalSampler, type SamplerSpec, type SampleUrlParts } from "../samples/canonical.js";
import { exactDecoding, jacobiDecoding } from "./step.js";

export type SamplerKind = SamplerSpec["kind"];

/** The tEXt keyword under which a Jacobi sample's PNG records the iterations it ran per block. */
export const ITERATIONS_TEXT_KEY = "biflow-jacobi-iterations";

const JacobiDefaults = z.looseObject({
  default_iterations: z.array(z.number().int().min(1)).min(1),
  tolerance: z.number().positive().nullable().optional(),
});

/** The samplers this version can run, given its files. */
export function modelSamplers(manifest: ModelManifest): SamplerKind[] {
  const kinds: SamplerKind[] = ["g"];
  if (exactDecoding(manifest) !== undefined) kinds.push("exact");
  if (jacobiDecoding(manifest) !== undefined) kinds.push("jacobi");
  return kinds;
}

/** The version's measured default Jacobi schedule (per block) and tolerance, if it has one. */
export function jacobiDefault(manifest: ModelManifest): { iterations: number[]; tolerance: number | null } | undefined {
  const parsed = JacobiDefaults.safeParse(manifest["jacobi"]);
  if (!parsed.success) return undefined;
  return { iterations: parsed.data.default_iterations, tolerance: parsed.data.tolerance ?? null };
}

/** What a request asks for (URL or JSON body), before the model is consulted. */
export type AskedSampler = SampleUrlParts["sampler"];

/**
 * The canonical sampler of a request for the loaded version: available, with a schedule of
 * one count or one per block, each 1..tokens (tokens = exact decoding). Errors name the parameter.
 */
export function resolveSamplerSpec(manifest: ModelManifest, asked: AskedSampler): SamplerSpec {
  if (asked === undefined || asked.kind === "g") return { kind: "g" };
  const available = modelSamplers(manifest);
  if (!available.includes(asked.kind)) {
    throw invalidParam(
      "sampler",
      `sampler ${asked.kind} is not available for model ${manifest.id}@${manifest.version}; available: ${available.join(", ")}`,
    );
  }
  if (asked.kind === "exact") return { kind: "exact" };
  const dec = jacobiDecoding(manifest);
  const blocks = dec?.blocks ?? 1;
  const tokens = dec?.tokens ?? 1;
  const fallback = jacobiDefault(manifest);
  const iterations = asked.iterations ?? fallback?.iterations;
  if (iterations === undefined) {
    throw invalidParam(
      "iterations",
      `model ${manifest.id}@${manifest.version} has no default Jacobi schedule: give iterations`,
    );
  }
  if (iterations.length !== 1 && iterations.length !== blocks) {
    throw invalidParam(
      "iterations",
      `iterations must be one count or ${blocks} (one per flow block, block 0 first); got ${iterations.length}`,
    );
  }
  if (iterations.some((k) => !Number.isInteger(k) || k < 1 || k > tokens)) {
    throw invalidParam(
      "iterations",
      `each iteration count must be an integer from 1 to ${tokens} (the tokens per block)`,
    );
  }
  const tolerance =
    asked.iterations === undefined && asked.tolerance === null ? (fallback?.tolerance ?? null) : asked.tolerance;
  return canonicalSampler({ kind: "jacobi", iterations, tolerance });
}

/** The iterations per block a Jacobi sample's PNG says it ran (see ITERATIONS_TEXT_KEY). */
export function parseIterations(text: string | undefined): number[] | undefined {
  if (text === undefined || !/^\d+(,\d+)*$/.test(text)) return undefined;
  return text.split(",").map(Number);
}
