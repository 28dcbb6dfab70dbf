// Serving a composite image's URL (interpolation strips, class grids) by the flow sample
// URLs follow (src/samples/serve-image.ts): non-canonical forms redirect, conditional GETs
// answer 304 from the ETag alone, versions no longer loaded come from the store or answer
// 410, the rest computes once.

import type { Context } from "hono";
import { resolveComposite } from "../composites/resolve.js";
import type { Composite } from "../composites/images.js";
import type { ModelManifest } from "../models/manifest.js";
import { redirectToCanonical, serveImage } from "../samples/serve-image.js";
import type { Services } from "../services.js";

export interface CompositeTarget {
  manifest: ModelManifest;
  version: string;
  /** Canonical path and query. */
  canonical: string;
  /** The request's path and query without signature parameters. */
  unsigned: string;
  key: string;
  /** Images the computation costs (the image quota). */
  images: number;
  compute: () => Promise<Composite>;
}

export async function serveComposite(services: Services, c: Context, target: CompositeTarget): Promise<Response> {
  if (target.unsigned !== target.canonical) return redirectToCanonical(services, c, target.canonical);
  return serveImage(services, c, {
    key: target.key,
    ifNoneMatch: c.req.header("if-none-match"),
    ...(target.version === target.manifest.version
      ? {}
      : { retired: { manifest: target.manifest, version: target.version, reason: "this image was not stored" } }),
    resolve: async () => {
      const signature = await services.access.checkUrl(c);
      const found = await resolveComposite(services, {
        key: target.key,
        images: target.images,
        admit: services.access.admit(c, signature),
        compute: target.compute,
      });
      c.set("sampleOutcome", { source: found.source, sampler: found.sampler });
      return found;
    },
  });
}
