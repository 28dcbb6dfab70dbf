// The on-demand sample URL, /v1/samples/{model}/{class}/{seed}.png?guidance=w, written
// canonically (class slug, guidance with two decimals) so one sample has one URL.

import { formatGuidance } from "../keys.js";
import { classLabel } from "../models/classes.js";
import type { ModelManifest } from "../models/manifest.js";

export function samplePath(manifest: ModelManifest, classIndex: number | null, seed: number, guidance: number): string {
  return sampleUrlPath(manifest.id, classLabel(manifest, classIndex), seed, guidance);
}

/** The same URL from a model id and a class label (a slug, or "null"), as GET /v1/models lists them. */
export function sampleUrlPath(modelId: string, classLabel: string, seed: number, guidance: number): string {
  const cls = encodeURIComponent(classLabel);
  return `/v1/samples/${encodeURIComponent(modelId)}/${cls}/${seed}.png?guidance=${formatGuidance(guidance)}`;
}
