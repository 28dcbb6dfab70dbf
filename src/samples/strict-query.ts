// The strict parsing every image URL shares (samples, interpolation strips, class grids):
// percent-decoding, the query (every parameter known, none twice, signature parameters set
// apart), the {model}[@{version}] segment, the class segment, seeds and guidance. Each
// refusal is an invalid_request that names the parameter and shows what was sent.

import { invalidParam, type ApiError } from "../errors.js";
import { UINT32_MAX } from "../limits.js";
import { NAME_SEGMENT } from "./sample-id.js";

/** Query parameters that carry a URL signature (see URL_SIGNING_KEY), never part of an image's identity. */
export const SIGNATURE_PARAMS = ["exp", "sig"] as const;
export type SignatureParts = Partial<Record<(typeof SIGNATURE_PARAMS)[number], string>>;

const SEED_RULE = `seed must be an integer from 0 to ${UINT32_MAX} (uint32)`;
const GUIDANCE = /^-?\d{1,6}(\.\d{1,12})?$/;

function isSignatureParam(name: string): boolean {
  return (SIGNATURE_PARAMS as readonly string[]).includes(name);
}

export function decodeUrlPart(raw: string, param: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidParam(param, `${param} is not valid percent-encoding`);
  }
}

export interface StrictQuery {
  /** Every parameter, signature ones included, decoded. */
  params: Map<string, string>;
  /** The raw query without the signature parameters, in the order sent. */
  unsignedQuery: string;
}

/** Splits a raw query strictly: every parameter in `known` (or a signature one), none twice; values decoded. */
export function parseStrictQuery(search: string, known: readonly string[]): StrictQuery {
  const params = new Map<string, string>();
  const kept: string[] = [];
  const raw = search.startsWith("?") ? search.slice(1) : search;
  for (const part of raw === "" ? [] : raw.split("&")) {
    const eq = part.indexOf("=");
    const name = decodeUrlPart(eq < 0 ? part : part.slice(0, eq), "query");
    const signature = isSignatureParam(name);
    if (!known.includes(name) && !signature) {
      throw invalidParam(name, `unknown query parameter "${name.slice(0, 40)}"; known: ${known.join(", ")}`);
    }
    if (params.has(name)) throw invalidParam(name, `query parameter "${name}" is given more than once`);
    params.set(name, decodeUrlPart(eq < 0 ? "" : part.slice(eq + 1), name));
    if (!signature) kept.push(part);
  }
  return { params, unsignedQuery: kept.join("&") };
}

/** The signature parameters of a parsed query, raw and unchecked. */
export function signatureOf(params: ReadonlyMap<string, string>): SignatureParts {
  const signature: SignatureParts = {};
  for (const name of SIGNATURE_PARAMS) {
    const value = params.get(name);
    if (value !== undefined) signature[name] = value;
  }
  return signature;
}

/** The request's path and query without the signature parameters. */
export function unsignedPath(pathname: string, unsignedQuery: string): string {
  return unsignedQuery === "" ? pathname : `${pathname}?${unsignedQuery}`;
}

/** `{model}` or `{model}@{version}`, decoded; the version checked. */
export function parseModelSegment(segment: string): { model: string; version: string | undefined } {
  const text = decodeUrlPart(segment, "model");
  const at = text.indexOf("@");
  if (at < 0) return { model: text, version: undefined };
  const version = text.slice(at + 1);
  if (!NAME_SEGMENT.test(version)) {
    throw invalidParam(
      "version",
      `version must be letters, digits, '.', '_' or '-' (at most 64); got "${version.slice(0, 40)}"`,
    );
  }
  return { model: text.slice(0, at), version };
}

/** The class segment as written (index, name, slug or null), decoded; 1 to 64 characters. */
export function parseClassSegment(segment: string): string {
  const classText = decodeUrlPart(segment, "class");
  if (classText.length === 0 || classText.length > 64) throw invalidParam("class", "class must be 1 to 64 characters");
  return classText;
}

/** The refusal of a seed, showing what was written. */
export function invalidSeed(text: string): ApiError {
  return invalidParam("seed", `${SEED_RULE}; got "${text.slice(0, 40)}"`);
}

/** A seed written in decimal, a uint32. */
export function parseSeedText(text: string): number {
  const seed = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seed <= UINT32_MAX)) throw invalidSeed(text);
  return seed;
}

/** The `guidance` parameter as given (not rounded; the model's range is checked later); absent: undefined. */
export function parseGuidanceParam(params: ReadonlyMap<string, string>): number | undefined {
  const g = params.get("guidance");
  if (g === undefined) return undefined;
  if (!GUIDANCE.test(g)) {
    throw invalidParam(
      "guidance",
      `guidance must be a finite number within the model's guidance range; got "${g.slice(0, 40)}"`,
    );
  }
  return Number(g);
}
