// The one scheme that names a sample, by the names its importers use. Each job has its
// own module:
//   sample-id.ts          the identity (model, version, variant, class, seed, guidance,
//                         sampler) and the rules every form of it shares
//   sample-key.ts         the object key scheme (samples/v1/...), and its inverse
//   sample-path.ts        the canonical URL writer (/v1/samples/...; docs/SAMPLE-URLS.md)
//   sample-url-parser.ts  the strict parser of sample URLs of any form
//   strict-query.ts       the strict URL parsing samples and composites share
// Interpolation strips and class grids have their own URLs and keys in the same style, under
// their own prefixes: src/samples/composites.ts.

export {
  canonicalGuidance,
  canonicalSampler,
  DEFAULT_SAMPLER,
  formatGuidance,
  SAMPLER_KINDS,
  type SampleId,
  type SamplerSpec,
} from "./sample-id.js";
export { KEY_SCHEME, parseSampleKey, sampleKey } from "./sample-key.js";
export { canonicalSamplePath, canonicalSampleQuery, IDENTITY_PARAMS, SAMPLE_PATH_PREFIX } from "./sample-path.js";
export { parseSampleUrl, type SampleUrlParts } from "./sample-url-parser.js";
export { decodeUrlPart, parseModelSegment, SIGNATURE_PARAMS } from "./strict-query.js";
