// The strict parser of sample URLs of any form, canonical or not (the canonical form:
// sample-path.ts). Nothing here consults a model: sample-url.ts resolves the parts against
// the manifest.

import { ApiError, invalidParam } from "../errors.js";
import { MAX_ITERATIONS, SAMPLER_KINDS, VARIANT } from "./sample-id.js";
import { IDENTITY_PARAMS, SAMPLE_PATH_PREFIX } from "./sample-path.js";
import {
  invalidSeed,
  parseClassSegment,
  parseGuidanceParam,
  parseModelSegment,
  parseSeedText,
  parseStrictQuery,
  signatureOf,
  unsignedPath,
  type SignatureParts,
} from "./strict-query.js";

/** What a sample URL says, before any model is consulted: any form, canonical or not. */
export interface SampleUrlParts {
  model: string;
  /** Absent: the model's current version (the URL then redirects). */
  version: string | undefined;
  /** The class as written (index, name, slug or null), decoded. */
  classText: string;
  seed: number;
  /** As given (not rounded); absent: the version's default. */
  guidance: number | undefined;
  /** Absent: the default sampler; a Jacobi schedule absent: the version's default schedule. */
  sampler:
    | { kind: "g" }
    | { kind: "exact" }
    | { kind: "jacobi"; iterations: readonly number[] | undefined; tolerance: number | null }
    | undefined;
  variant: string | undefined;
  /** Signature parameters, raw and unchecked (URL_SIGNING_KEY checks them). */
  signature: SignatureParts;
  /** The request's path and query without the signature parameters, exactly as sent. */
  unsigned: string;
}

const TOLERANCE = /^\d{1,6}(\.\d{1,12})?(e-?\d{1,3})?$/;

function parseSampler(params: ReadonlyMap<string, string>): SampleUrlParts["sampler"] {
  const name = params.get("sampler");
  const iterations = params.get("iterations");
  const tolerance = params.get("tolerance");
  if (name !== "jacobi" && (iterations !== undefined || tolerance !== undefined)) {
    const param = iterations !== undefined ? "iterations" : "tolerance";
    throw invalidParam(param, `${param} applies to sampler=jacobi only`);
  }
  if (name === undefined) return undefined;
  if (name === "g") return { kind: "g" };
  if (name === "exact") return { kind: "exact" };
  if (name !== "jacobi") {
    throw invalidParam("sampler", `sampler must be one of ${SAMPLER_KINDS.join(", ")}; got "${name.slice(0, 40)}"`);
  }
  let schedule: number[] | undefined;
  if (iterations !== undefined) {
    const rule = `iterations must be one count, or one per flow block separated by commas, each 1..${MAX_ITERATIONS}`;
    if (!/^\d{1,4}(,\d{1,4}){0,63}$/.test(iterations))
      throw invalidParam("iterations", `${rule}; got "${iterations.slice(0, 40)}"`);
    schedule = iterations.split(",").map(Number);
    if (schedule.some((k) => k < 1 || k > MAX_ITERATIONS))
      throw invalidParam("iterations", `${rule}; got "${iterations}"`);
  }
  let tol: number | null = null;
  if (tolerance !== undefined) {
    tol = TOLERANCE.test(tolerance) ? Number(tolerance) : Number.NaN;
    if (!(tol > 0 && tol <= 1)) {
      throw invalidParam("tolerance", `tolerance must be a number in (0, 1]; got "${tolerance.slice(0, 40)}"`);
    }
  }
  return { kind: "jacobi", iterations: schedule, tolerance: tol };
}

/**
 * Parses a sample URL of any form (canonical or not), strictly: unknown or repeated query
 * parameters, malformed seeds, guidance, samplers or variants throw invalid_request. The
 * path must be /v1/samples/{model}[@{version}]/{class}/{seed}.png.
 */
export function parseSampleUrl(url: { pathname: string; search: string }): SampleUrlParts {
  if (!url.pathname.startsWith(SAMPLE_PATH_PREFIX)) throw new ApiError("not_found", "not a sample URL");
  const segments = url.pathname.slice(SAMPLE_PATH_PREFIX.length).split("/");
  const [modelSeg, classSeg, file] = segments;
  if (segments.length !== 3 || modelSeg === undefined || classSeg === undefined || file === undefined) {
    throw new ApiError("not_found", "a sample URL is /v1/samples/{model}@{version}/{class}/{seed}.png");
  }
  const { model, version } = parseModelSegment(modelSeg);
  const classText = parseClassSegment(classSeg);
  if (!file.endsWith(".png")) throw invalidSeed(file);
  const seed = parseSeedText(file.slice(0, -".png".length));
  const { params, unsignedQuery } = parseStrictQuery(url.search, IDENTITY_PARAMS);
  const guidance = parseGuidanceParam(params);
  const variant = params.get("variant");
  if (variant !== undefined && !VARIANT.test(variant)) {
    throw invalidParam(
      "variant",
      `variant must be lowercase letters, digits or '-' (at most 32); got "${variant.slice(0, 40)}"`,
    );
  }
  return {
    model,
    version,
    classText,
    seed,
    guidance,
    sampler: parseSampler(params),
    variant,
    signature: signatureOf(params),
    unsigned: unsignedPath(url.pathname, unsignedQuery),
  };
}
