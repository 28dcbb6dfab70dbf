// What the middleware and handlers of one request tell each other through Hono's context
// (typed once here): the request id, who quotas count against, and where a sample came from.

import type { SampleSource } from "../samples/service.js";

export interface SampleOutcome {
  source: SampleSource;
  /** The sampler that computed it (null for cache and store hits). */
  sampler: string | null;
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by src/middleware/request-id for every request. */
    requestId: string;
    /** Rate limits count against this: `key:<digest prefix>` after an API key check passed. */
    clientKey: string | undefined;
    /** Set by the sample handlers, read by the access log. */
    sampleOutcome: SampleOutcome | undefined;
  }
}
