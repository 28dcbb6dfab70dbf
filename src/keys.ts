// Object keys of samples: the scheme itself lives in src/samples/canonical.ts (one scheme
// for keys and URLs); this module keeps the names the backend, pool and tests import.

export {
  KEY_SCHEME,
  canonicalGuidance,
  formatGuidance,
  parseSampleKey,
  sampleKey,
  type SampleId,
  type SamplerSpec,
} from "./samples/canonical.js";
