// The canonical URL of a sample (docs/SAMPLE-URLS.md; only this form is `immutable`):
//   /v1/samples/{model}@{version}/{class slug | null}/{seed}.png?guidance={w, 2 decimals}
//     [&sampler=exact | &sampler=jacobi&iterations={k or k1,k2,...}[&tolerance={t}]]
//     [&variant={variant}]
// Every field of the identity appears, as in the object key (sample-key.ts).

import { canonicalSampler, checkId, formatGuidance, formatTolerance, type SampleId } from "./sample-id.js";

export const SAMPLE_PATH_PREFIX = "/v1/samples/";
/** The identity's query parameters, in canonical order. */
export const IDENTITY_PARAMS = ["guidance", "sampler", "iterations", "tolerance", "variant"] as const;

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
