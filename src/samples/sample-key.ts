// The object key of a sample, version 1 of the key scheme (the default sampler's keys are
// those stored before samplers and variants existed, so those objects stay valid):
//   samples/v1/{model}/{version}[+{variant}]/{class index | null}/g{w}[/{sampler}]/{seed}.png
//     sampler segment: `exact`, or `jacobi-k{k1_k2_...}[-t{t}]`; absent for `g`.
// Every field of the identity appears, so keys never collide (parseSampleKey inverts
// sampleKey). Interpolation strips and class grids have keys in the same style under their
// own prefixes: src/samples/composites.ts.

import {
  canonicalSampler,
  checkId,
  DEFAULT_SAMPLER,
  formatGuidance,
  formatTolerance,
  type SampleId,
  type SamplerSpec,
} from "./sample-id.js";

export const KEY_SCHEME = "v1";

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
