// The canonical URLs and object keys of composite images (issue 12), in the style of a
// sample's (sample-key.ts, sample-path.ts): a seed-to-seed interpolation strip and a
// one-per-class grid. Their URLs are parsed by the same strict rules (strict-query.ts).
//
// Canonical URLs (docs/SAMPLE-URLS.md; only these forms are `immutable`):
//   /v1/interpolations/{model}@{version}/{class slug | null}/{seedA}-{seedB}.png?guidance={w}&frames={k}
//   /v1/grids/{model}@{version}/{seed}.png?guidance={w}
// Object keys (own prefixes, so they never collide with `samples/` keys or each other):
//   interpolations/v1/{model}/{version}/{class index | null}/g{w}/k{frames}/{seedA}-{seedB}.png
//   grids/v1/{model}/{version}/g{w}/{seed}.png

import { ApiError, invalidParam } from "../errors.js";
import { checkClassIndex, checkModelAndSeeds, formatGuidance } from "./sample-id.js";
import { KEY_SCHEME } from "./sample-key.js";
import {
  parseClassSegment,
  parseGuidanceParam,
  parseModelSegment,
  parseSeedText,
  parseStrictQuery,
  unsignedPath,
} from "./strict-query.js";

export const INTERPOLATION_PATH_PREFIX = "/v1/interpolations/";
export const GRID_PATH_PREFIX = "/v1/grids/";
export const MIN_FRAMES = 2;
export const MAX_FRAMES = 16;
/** Frames of an interpolation URL that names none. */
export const DEFAULT_FRAMES = 8;

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

function checkInterpolation(id: InterpolationId): void {
  checkModelAndSeeds(id.modelId, id.version, [id.seedA, id.seedB]);
  if (!Number.isInteger(id.frames) || id.frames < MIN_FRAMES || id.frames > MAX_FRAMES) {
    throw new RangeError(`frames must be ${MIN_FRAMES}..${MAX_FRAMES}, got ${id.frames}`);
  }
  checkClassIndex(id.classIndex);
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
  checkModelAndSeeds(id.modelId, id.version, [id.seed]);
  return `grids/${KEY_SCHEME}/${id.modelId}/${id.version}/g${formatGuidance(id.guidance)}/${id.seed}.png`;
}

export function canonicalGridPath(id: GridId): string {
  checkModelAndSeeds(id.modelId, id.version, [id.seed]);
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
  const classText = parseClassSegment(classSeg);
  const { params, unsignedQuery } = parseStrictQuery(url.search, ["guidance", "frames"]);
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
    seedA: parseSeedText(m[1] ?? ""),
    seedB: parseSeedText(m[2] ?? ""),
    guidance: parseGuidanceParam(params),
    frames,
    unsigned: unsignedPath(url.pathname, unsignedQuery),
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
  const { params, unsignedQuery } = parseStrictQuery(url.search, ["guidance"]);
  return {
    ...parseModelSegment(modelSeg),
    seed: parseSeedText(m[1] ?? ""),
    guidance: parseGuidanceParam(params),
    unsigned: unsignedPath(url.pathname, unsignedQuery),
  };
}
