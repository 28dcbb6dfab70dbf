// A parsed sample URL resolved against the model's loaded manifest: the full identity, its
// canonical URL, whether the request already used it, and whether its version is current.

import { ApiError, invalidParam } from "../errors.js";
import { resolveSamplerSpec } from "../flow/samplers.js";
import { classLabel, resolveClass } from "../models/classes.js";
import type { ModelManifest } from "../models/manifest.js";
import {
  canonicalGuidance,
  canonicalSamplePath,
  DEFAULT_SAMPLER,
  type SampleId,
  type SamplerSpec,
  type SampleUrlParts,
} from "./canonical.js";
import { resolveGuidance } from "./params.js";

export interface ResolvedSampleUrl {
  id: SampleId;
  /** The class as the canonical URL writes it (slug or `null`). */
  classLabel: string;
  /** Canonical path and query (what signatures cover and what is cached forever). */
  canonical: string;
  /** Whether the request's path and query, signature parameters aside, are exactly `canonical`. */
  isCanonical: boolean;
  /** Whether the URL names the version loaded now (else only the store can answer). */
  current: boolean;
}

/** 410 for a version no longer loaded: names the current version, never serves its pixels. */
export function versionGone(manifest: ModelManifest, version: string, why: string): ApiError {
  return new ApiError(
    "version_gone",
    `model ${manifest.id}@${version} is no longer served and ${why}; the current version is ${manifest.version}`,
    { param: "version" },
  );
}

/**
 * The sampler of a URL: for the loaded version, resolved against its files (src/flow/samplers.ts:
 * availability, the default Jacobi schedule, bounds); for an older version, as written (only
 * the store can answer it, and its default schedule is not known any more).
 */
function resolveSampler(parts: SampleUrlParts, manifest: ModelManifest, current: boolean): SamplerSpec {
  const asked = parts.sampler;
  if (asked === undefined || asked.kind === "g") return DEFAULT_SAMPLER;
  if (current) return resolveSamplerSpec(manifest, asked);
  if (asked.kind === "exact") return asked;
  if (asked.iterations === undefined)
    throw versionGone(manifest, parts.version ?? "", "its default schedule is unknown");
  return { kind: "jacobi", iterations: asked.iterations, tolerance: asked.tolerance };
}

/**
 * Completes a URL's identity from the loaded manifest: version and guidance default to the
 * current ones; the class resolves by the current class list (a model id keeps its classes
 * across versions, docs/MODEL-CONTRACT.md). A version no longer loaded gets no defaults
 * (they may have changed) and no range checks (only the store can answer it).
 */
export function resolveSampleUrl(parts: SampleUrlParts, manifest: ModelManifest): ResolvedSampleUrl {
  const version = parts.version ?? manifest.version;
  const current = version === manifest.version;
  const classIndex = resolveClass(manifest, parts.classText);
  let guidance: number;
  if (current) guidance = resolveGuidance(manifest, parts.guidance);
  else if (parts.guidance === undefined) throw versionGone(manifest, version, "its default guidance is unknown");
  else guidance = canonicalGuidance(parts.guidance);
  const sampler = resolveSampler(parts, manifest, current);
  if (parts.variant !== undefined && current) {
    throw invalidParam("variant", `model ${manifest.id}@${version} has no variant "${parts.variant}"`);
  }
  const id: SampleId = {
    modelId: manifest.id,
    version,
    variant: parts.variant ?? null,
    classIndex,
    seed: parts.seed,
    guidance,
    sampler,
  };
  const label = classLabel(manifest, classIndex);
  const canonical = canonicalSamplePath(id, label);
  return { id, classLabel: label, canonical, isCanonical: parts.unsigned === canonical, current };
}
