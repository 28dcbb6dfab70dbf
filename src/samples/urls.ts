// The on-demand sample URL, /v1/samples/{model}/{class}/{seed}.png?guidance=w, written
// canonically (class slug, guidance with two decimals) so one sample has one URL.

import { formatGuidance } from "../keys.js";
import { classLabel } from "../models/classes.js";
import type { ModelManifest } from "../models/manifest.js";

export function samplePath(manifest: ModelManifest, classIndex: number | null, seed: number, guidance: number): string {
  const cls = encodeURIComponent(classLabel(manifest, classIndex));
  return `/v1/samples/${encodeURIComponent(manifest.id)}/${cls}/${seed}.png?guidance=${formatGuidance(guidance)}`;
}
