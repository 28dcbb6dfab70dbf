// The one scheme that names a sample: its identity (model, version, variant, class, seed,
// guidance, sampler), its object key and its canonical URL, and the strict URL parser.
//
// Canonical URL (docs/SAMPLE-URLS.md; only this form is `immutable`):
//   /v1/samples/{model}@{version}/{class slug | null}/{seed}.png?guidance={w, 2 decimals}
//     [&sampler=exact | &sampler=jacobi&iterations={k or k1,k2,...}[&tolerance={t}]]
//     [&variant={variant}]
// Object key (version 1 of the key scheme; the default sampler's keys are those stored
// before samplers and variants existed, so those objects stay valid):
//   samples/v1/{model}/{version}[+{variant}]/{class index | null}/g{w}[/{sampler}]/{seed}.png
//     sampler segment: `exact`, or `jacobi-k{k1_k2_...}[-t{t}]`; absent for `g`.
// Model ids and versions are [A-Za-z0-9._-] (manifest schema), so `@` and `+` separate
// unambiguously, and every field appears in both forms: keys never collide (parseSampleKey
// inverts sampleKey). Interpolation strips and class grids have their own URLs and keys
// in the same style, under their own prefixes: src/samples/composites.ts.

import { ApiError, invalidParam } from "../errors.js";
import { UINT32_MAX } from "../limits.js";

/** How an image is drawn from the model: G's one pass, F's exact inverse, or Jacobi iteration of F's inverse. */
export type SamplerSpec =
  | { kind: "g" }
  | { kind: "exact" }
  | {
      kind: "jacobi";
      /** Iterations per flow block, in block order; one entry means the same for every block. */
      iterations: readonly number[];
      /** Per-image early stop when an update moves less than this; null: none. */
      tolerance: number | null;
    };

export const DEFAULT_SAMPLER: SamplerSpec = { kind: "g" };
export const SAMPLER_KINDS = ["g", "exact", "jacobi"] as const;

export interface SampleId {
  modelId: string;
  version: string;
  /** A variant of the version's weights (e.g. `int8`); null or absent: the manifest's own files. */
  variant?: string | null;
  /** Index into the manifest's classes, or null for unconditional. */
  classIndex: number | null;
  /** The sample's own seed (already offset by its position in the request). */
  seed: number;
  /** Canonical guidance (see canonicalGuidance). */
  guidance: number;
  /** Absent: the default sampler, G's one pass. */
  sampler?: SamplerSpec;
}

export const KEY_SCHEME = "v1";
export const SAMPLE_PATH_PREFIX = "/v1/samples/";
/** Query parameters that carry a URL signature (see URL_SIGNING_KEY), never part of a sample's identity. */
export const SIGNATURE_PARAMS = ["exp", "sig"] as const;
/** The identity's query parameters, in canonical order. */
export const IDENTITY_PARAMS = ["guidance", "sampler", "iterations", "tolerance", "variant"] as const;

const VARIANT = /^[a-z0-9][a-z0-9-]{0,31}$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_ITERATIONS = 4096;
const MAX_BLOCKS = 64;

/**
 * Guidance rounded to two decimals: the value fed to the model, so that a key (and a URL)
 * means exactly what was computed. 1.004 and 1.0 name the same image; 1.01 another.
 */
export function canonicalGuidance(w: number): number {
  // `+ 0` turns -0 into 0 so it prints as "0.00".
  return Math.round(w * 100) / 100 + 0;
}

export function formatGuidance(w: number): string {
  return canonicalGuidance(w).toFixed(2);
}

/** A Jacobi schedule whose blocks all get the same count is written as that one count. */
export function canonicalSampler(spec: SamplerSpec | undefined): SamplerSpec {
  if (spec === undefined || spec.kind !== "jacobi") return spec ?? DEFAULT_SAMPLER;
  const [first] = spec.iterations;
  const uniform = first !== undefined && spec.iterations.every((k) => k === first);
  return { kind: "jacobi", iterations: uniform ? [first] : [...spec.iterations], tolerance: spec.tolerance };
}

function checkId(id: SampleId): void {
  if (!Number.isInteger(id.seed) || id.seed < 0 || id.seed > UINT32_MAX) {
    throw new RangeError(`seed must be a uint32, got ${id.seed}`);
  }
  if (id.classIndex !== null && (!Number.isInteger(id.classIndex) || id.classIndex < 0)) {
    throw new RangeError(`class index must be a non-negative integer or null, got ${id.classIndex}`);
  }
  if (!SEGMENT.test(id.modelId) || !SEGMENT.test(id.version)) {
    throw new RangeError(`model id and version must be [A-Za-z0-9._-] segments: ${id.modelId}@${id.version}`);
  }
  const variant = id.variant ?? null;
  if (variant !== null && !VARIANT.test(variant)) throw new RangeError(`bad variant ${variant}`);
  const sampler = id.sampler;
  if (sampler?.kind === "jacobi") {
    const ok = (k: number) => Number.isInteger(k) && k >= 1 && k <= MAX_ITERATIONS;
    if (sampler.iterations.length === 0 || sampler.iterations.length > MAX_BLOCKS || !sampler.iterations.every(ok)) {
      throw new RangeError(`jacobi iterations must be 1..${MAX_BLOCKS} integers in 1..${MAX_ITERATIONS}`);
    }
    if (sampler.tolerance !== null && !(sampler.tolerance > 0 && Number.isFinite(sampler.tolerance))) {
      throw new RangeError(`jacobi tolerance must be a positive number or null, got ${sampler.tolerance}`);
    }
  }
}

/** The shortest decimal text that reads back as the same number ("0.001", "1e-7"). */
function formatTolerance(t: number): string {
  return String(t);
}

function samplerKeySegment(spec: SamplerSpec): string | undefined {
  switch (spec.kind) {
    case "g":
      return undefined;
    case "exact":
      return "exact";
    case "jacobi":
      return `jacobi-k${spec.iterations.join("_")}${spec.tolerance === null ? "" : `-t${formatTolerance(spec.tolerance)}`}`;
  }
}

/** The object key of a sample (format in this module's header). Throws RangeError on an invalid identity. */
export function sampleKey(id: SampleId): string {
  checkId(id);
  const variant = id.variant ?? null;
  const version = variant === null ? id.version : `${id.version}+${variant}`;
  const cls = id.classIndex === null ? "null" : String(id.classIndex);
  const sampler = samplerKeySegment(canonicalSampler(id.sampler));
  const samplerPart = sampler === undefined ? "" : `/${sampler}`;
  return `samples/${KEY_SCHEME}/${id.modelId}/${version}/${cls}/g${formatGuidance(id.guidance)}${samplerPart}/${id.seed}.png`;
}

const KEY_PATTERN = new RegExp(
  "^samples/v1/([^/@+]+)/([^/@+]+)(?:\\+([^/]+))?/(null|\\d+)/g(-?\\d+\\.\\d{2})" +
    "(?:/(exact|jacobi-k(\\d+(?:_\\d+)*)(?:-t([^/]+))?))?/(\\d+)\\.png$",
);

/** The identity a key names, or undefined when it is not a sample key; sampleKey(parseSampleKey(k)) === k. */
export function parseSampleKey(key: string): SampleId | undefined {
  const m = KEY_PATTERN.exec(key);
  if (m === null) return undefined;
  const [, modelId = "", version = "", variant, cls = "", w = "", samplerSeg, iters, tol, seed = ""] = m;
  let sampler: SamplerSpec = DEFAULT_SAMPLER;
  if (samplerSeg === "exact") sampler = { kind: "exact" };
  else if (iters !== undefined) {
    sampler = {
      kind: "jacobi",
      iterations: iters.split("_").map(Number),
      tolerance: tol === undefined ? null : Number(tol),
    };
  }
  const id: SampleId = {
    modelId,
    version,
    variant: variant ?? null,
    classIndex: cls === "null" ? null : Number(cls),
    seed: Number(seed),
    guidance: Number(w),
    sampler,
  };
  try {
    return sampleKey(id) === key ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The canonical query (no leading `?`): the identity's parameters in canonical order, defaults left out. */
export function canonicalSampleQuery(id: Pick<SampleId, "guidance" | "sampler" | "variant">): string {
  const parts = [`guidance=${formatGuidance(id.guidance)}`];
  const sampler = canonicalSampler(id.sampler);
  if (sampler.kind !== "g") parts.push(`sampler=${sampler.kind}`);
  if (sampler.kind === "jacobi") {
    parts.push(`iterations=${sampler.iterations.join(",")}`);
    if (sampler.tolerance !== null) parts.push(`tolerance=${formatTolerance(sampler.tolerance)}`);
  }
  const variant = id.variant ?? null;
  if (variant !== null) parts.push(`variant=${variant}`);
  return parts.join("&");
}

/**
 * The canonical path and query of a sample: what POST /v1/samples and the playground hand
 * out, what is cached forever, and what URL signatures cover. `classLabel` is the class's
 * slug (or `null`), see classLabel in src/models/classes.ts.
 */
export function canonicalSamplePath(id: SampleId, classLabel: string): string {
  checkId(id);
  const model = `${id.modelId}@${id.version}`;
  return `${SAMPLE_PATH_PREFIX}${model}/${encodeURIComponent(classLabel)}/${id.seed}.png?${canonicalSampleQuery(id)}`;
}

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
  signature: Partial<Record<(typeof SIGNATURE_PARAMS)[number], string>>;
  /** The request's path and query without the signature parameters, exactly as sent. */
  unsigned: string;
}

const KNOWN_PARAMS: ReadonlySet<string> = new Set([...IDENTITY_PARAMS, ...SIGNATURE_PARAMS]);
const SEED_RULE = `seed must be an integer from 0 to ${UINT32_MAX} (uint32)`;
const GUIDANCE = /^-?\d{1,6}(\.\d{1,12})?$/;
const TOLERANCE = /^\d{1,6}(\.\d{1,12})?(e-?\d{1,3})?$/;

export function decodeUrlPart(raw: string, param: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidParam(param, `${param} is not valid percent-encoding`);
  }
}

/** Splits a raw query strictly: every parameter known, none twice; values decoded. */
function parseQuery(search: string): { params: Map<string, string>; unsignedQuery: string } {
  const params = new Map<string, string>();
  const kept: string[] = [];
  const raw = search.startsWith("?") ? search.slice(1) : search;
  if (raw === "") return { params, unsignedQuery: "" };
  for (const part of raw.split("&")) {
    const eq = part.indexOf("=");
    const name = decodeUrlPart(eq < 0 ? part : part.slice(0, eq), "query");
    if (!KNOWN_PARAMS.has(name)) {
      throw invalidParam(
        name,
        `unknown query parameter "${name.slice(0, 40)}"; known: ${[...IDENTITY_PARAMS].join(", ")}`,
      );
    }
    if (params.has(name)) throw invalidParam(name, `query parameter "${name}" is given more than once`);
    params.set(name, decodeUrlPart(eq < 0 ? "" : part.slice(eq + 1), name));
    if (!(SIGNATURE_PARAMS as readonly string[]).includes(name)) kept.push(part);
  }
  return { params, unsignedQuery: kept.join("&") };
}

/** `{model}` or `{model}@{version}`, decoded; the version checked. */
export function parseModelSegment(segment: string): { model: string; version: string | undefined } {
  const text = decodeUrlPart(segment, "model");
  const at = text.indexOf("@");
  if (at < 0) return { model: text, version: undefined };
  const version = text.slice(at + 1);
  if (!SEGMENT.test(version)) {
    throw invalidParam(
      "version",
      `version must be letters, digits, '.', '_' or '-' (at most 64); got "${version.slice(0, 40)}"`,
    );
  }
  return { model: text.slice(0, at), version };
}

function parseSeed(file: string): number {
  const m = /^(\d{1,10})\.png$/.exec(file);
  const seed = m?.[1] === undefined ? Number.NaN : Number(m[1]);
  if (!(seed <= UINT32_MAX))
    throw invalidParam("seed", `${SEED_RULE}; got "${file.replace(/\.png$/, "").slice(0, 40)}"`);
  return seed;
}

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
  const classText = decodeUrlPart(classSeg, "class");
  if (classText.length === 0 || classText.length > 64) throw invalidParam("class", "class must be 1 to 64 characters");
  const seed = parseSeed(file);
  const { params, unsignedQuery } = parseQuery(url.search);
  const g = params.get("guidance");
  if (g !== undefined && !GUIDANCE.test(g)) {
    throw invalidParam(
      "guidance",
      `guidance must be a finite number within the model's guidance range; got "${g.slice(0, 40)}"`,
    );
  }
  const variant = params.get("variant");
  if (variant !== undefined && !VARIANT.test(variant)) {
    throw invalidParam(
      "variant",
      `variant must be lowercase letters, digits or '-' (at most 32); got "${variant.slice(0, 40)}"`,
    );
  }
  const signature: SampleUrlParts["signature"] = {};
  for (const name of SIGNATURE_PARAMS) {
    const value = params.get(name);
    if (value !== undefined) signature[name] = value;
  }
  return {
    model,
    version,
    classText,
    seed,
    guidance: g === undefined ? undefined : Number(g),
    sampler: parseSampler(params),
    variant,
    signature,
    unsigned: unsignedQuery === "" ? url.pathname : `${url.pathname}?${unsignedQuery}`,
  };
}
