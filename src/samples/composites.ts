// The canonical URLs and object keys of composite images (issue 12), in the style of
// src/samples/canonical.ts: a seed-to-seed interpolation strip and a one-per-class grid.
//
// Canonical URLs (docs/SAMPLE-URLS.md; only these forms are `immutable`):
//   /v1/interpolations/{model}@{version}/{class slug | null}/{seedA}-{seedB}.png?guidance={w}&frames={k}
//   /v1/grids/{model}@{version}/{seed}.png?guidance={w}
// Object keys (own prefixes, so they never collide with `samples/` keys or each other):
//   interpolations/v1/{model}/{version}/{class index | null}/g{w}/k{frames}/{seedA}-{seedB}.png
//   grids/v1/{model}/{version}/g{w}/{seed}.png

import { ApiError, invalidParam } from "../errors.js";
import { UINT32_MAX } from "../limits.js";
import { decodeUrlPart, formatGuidance, KEY_SCHEME, parseModelSegment, SIGNATURE_PARAMS } from "./canonical.js";

export const INTERPOLATION_PATH_PREFIX = "/v1/interpolations/";
export const GRID_PATH_PREFIX = "/v1/grids/";
export const MIN_FRAMES = 2;
export const MAX_FRAMES = 16;
/** Frames of an interpolation URL that names none. */
export const DEFAULT_FRAMES = 8;

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GUIDANCE = /^-?\d{1,6}(\.\d{1,12})?$/;

export interface InterpolationId {
  modelId: string;
  version: string;
  classIndex: number | null;
  seedA: number;
  seedB: number;
  /** Canonical guidance (two decimals). */
  guidance: number;
  frames: number;
}

export interface GridId {
  modelId: string;
  version: string;
  seed: number;
  guidance: number;
}

function checkCommon(modelId: string, version: string, seeds: readonly number[]): void {
  if (!SEGMENT.test(modelId) || !SEGMENT.test(version)) {
    throw new RangeError(`model id and version must be [A-Za-z0-9._-] segments: ${modelId}@${version}`);
  }
  for (const seed of seeds) {
    if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX)
      throw new RangeError(`seed must be a uint32: ${seed}`);
  }
}

function checkInterpolation(id: InterpolationId): void {
  checkCommon(id.modelId, id.version, [id.seedA, id.seedB]);
  if (!Number.isInteger(id.frames) || id.frames < MIN_FRAMES || id.frames > MAX_FRAMES) {
    throw new RangeError(`frames must be ${MIN_FRAMES}..${MAX_FRAMES}, got ${id.frames}`);
  }
  if (id.classIndex !== null && (!Number.isInteger(id.classIndex) || id.classIndex < 0)) {
    throw new RangeError(`bad class index ${id.classIndex}`);
  }
}

export function interpolationKey(id: InterpolationId): string {
  checkInterpolation(id);
  const cls = id.classIndex === null ? "null" : String(id.classIndex);
  return `interpolations/${KEY_SCHEME}/${id.modelId}/${id.version}/${cls}/g${formatGuidance(id.guidance)}/k${id.frames}/${id.seedA}-${id.seedB}.png`;
}

export function canonicalInterpolationPath(id: InterpolationId, classLabel: string): string {
  checkInterpolation(id);
  const query = `guidance=${formatGuidance(id.guidance)}&frames=${id.frames}`;
  return `${INTERPOLATION_PATH_PREFIX}${id.modelId}@${id.version}/${encodeURIComponent(classLabel)}/${id.seedA}-${id.seedB}.png?${query}`;
}

export function gridKey(id: GridId): string {
  checkCommon(id.modelId, id.version, [id.seed]);
  return `grids/${KEY_SCHEME}/${id.modelId}/${id.version}/g${formatGuidance(id.guidance)}/${id.seed}.png`;
}

export function canonicalGridPath(id: GridId): string {
  checkCommon(id.modelId, id.version, [id.seed]);
  return `${GRID_PATH_PREFIX}${id.modelId}@${id.version}/${id.seed}.png?guidance=${formatGuidance(id.guidance)}`;
}

/** What a composite URL says before any model is consulted (any form). */
export interface CompositeUrlParts {
  model: string;
  version: string | undefined;
  guidance: number | undefined;
  /** The request's path and query without signature parameters, exactly as sent. */
  unsigned: string;
}

export interface InterpolationUrlParts extends CompositeUrlParts {
  classText: string;
  seedA: number;
  seedB: number;
  frames: number | undefined;
}

export interface GridUrlParts extends CompositeUrlParts {
  seed: number;
}

/** Strict query: only `known` and signature parameters, none twice. */
function parseQuery(search: string, known: readonly string[]) {
  const params = new Map<string, string>();
  const kept: string[] = [];
  const raw = search.startsWith("?") ? search.slice(1) : search;
  for (const part of raw === "" ? [] : raw.split("&")) {
    const eq = part.indexOf("=");
    const name = decodeUrlPart(eq < 0 ? part : part.slice(0, eq), "query");
    const signature = (SIGNATURE_PARAMS as readonly string[]).includes(name);
    if (!known.includes(name) && !signature) {
      throw invalidParam(name, `unknown query parameter "${name.slice(0, 40)}"; known: ${known.join(", ")}`);
    }
    if (params.has(name)) throw invalidParam(name, `query parameter "${name}" is given more than once`);
    params.set(name, decodeUrlPart(eq < 0 ? "" : part.slice(eq + 1), name));
    if (!signature) kept.push(part);
  }
  return { params, unsignedQuery: kept.join("&") };
}

function parseGuidance(params: ReadonlyMap<string, string>): number | undefined {
  const g = params.get("guidance");
  if (g === undefined) return undefined;
  if (!GUIDANCE.test(g)) throw invalidParam("guidance", `guidance must be a finite number; got "${g.slice(0, 40)}"`);
  return Number(g);
}

function seedOf(text: string | undefined): number {
  const seed = text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seed <= UINT32_MAX)) throw invalidParam("seed", `seed must be an integer from 0 to ${UINT32_MAX} (uint32)`);
  return seed;
}

function unsigned(pathname: string, query: string): string {
  return query === "" ? pathname : `${pathname}?${query}`;
}

/** Parses /v1/interpolations/{model}[@{version}]/{class}/{seedA}-{seedB}.png[?guidance=&frames=] strictly. */
export function parseInterpolationUrl(url: { pathname: string; search: string }): InterpolationUrlParts {
  const segments = url.pathname.slice(INTERPOLATION_PATH_PREFIX.length).split("/");
  const [modelSeg, classSeg, file] = segments;
  const m = file === undefined ? null : /^(\d{1,10})-(\d{1,10})\.png$/.exec(file);
  if (segments.length !== 3 || modelSeg === undefined || classSeg === undefined || m === null) {
    throw new ApiError(
      "not_found",
      "an interpolation URL is /v1/interpolations/{model}@{version}/{class}/{seedA}-{seedB}.png",
    );
  }
  const classText = decodeUrlPart(classSeg, "class");
  if (classText.length === 0 || classText.length > 64) throw invalidParam("class", "class must be 1 to 64 characters");
  const { params, unsignedQuery } = parseQuery(url.search, ["guidance", "frames"]);
  const framesText = params.get("frames");
  let frames: number | undefined;
  if (framesText !== undefined) {
    frames = /^\d{1,2}$/.test(framesText) ? Number(framesText) : Number.NaN;
    if (!(frames >= MIN_FRAMES && frames <= MAX_FRAMES)) {
      throw invalidParam("frames", `frames must be an integer from ${MIN_FRAMES} to ${MAX_FRAMES}`);
    }
  }
  return {
    ...parseModelSegment(modelSeg),
    classText,
    seedA: seedOf(m[1]),
    seedB: seedOf(m[2]),
    guidance: parseGuidance(params),
    frames,
    unsigned: unsigned(url.pathname, unsignedQuery),
  };
}

/** Parses /v1/grids/{model}[@{version}]/{seed}.png[?guidance=] strictly. */
export function parseGridUrl(url: { pathname: string; search: string }): GridUrlParts {
  const segments = url.pathname.slice(GRID_PATH_PREFIX.length).split("/");
  const [modelSeg, file] = segments;
  const m = file === undefined ? null : /^(\d{1,10})\.png$/.exec(file);
  if (segments.length !== 2 || modelSeg === undefined || m === null) {
    throw new ApiError("not_found", "a class grid URL is /v1/grids/{model}@{version}/{seed}.png");
  }
  const { params, unsignedQuery } = parseQuery(url.search, ["guidance"]);
  return {
    ...parseModelSegment(modelSeg),
    seed: seedOf(m[1]),
    guidance: parseGuidance(params),
    unsigned: unsigned(url.pathname, unsignedQuery),
  };
}
