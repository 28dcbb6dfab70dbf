// Serving a composite image's URL (interpolation strips, class grids) as sample URLs are
// served: non-canonical forms redirect, conditional GETs answer 304 from the ETag alone,
// versions no longer loaded come from the store or answer 410, the rest computes once.

import type { Context } from "hono";
import { resolveComposite } from "../composites/resolve.js";
import type { Composite } from "../composites/images.js";
import type { ModelManifest } from "../models/manifest.js";
import { versionGone } from "../samples/sample-url.js";
import type { Services } from "../services.js";
import { etagMatches, pngResponse, redirectResponse } from "./samples.js";

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
  if (target.unsigned !== target.canonical) {
    const signature = await services.access.checkUrl(c);
    const location =
      signature?.ok === true ? await services.access.handOut(target.canonical, signature.expiresAt) : target.canonical;
    return redirectResponse(location);
  }
  const ifNoneMatch = c.req.header("if-none-match");
  if (ifNoneMatch !== undefined) {
    const known = await services.samples.etagOf(target.key);
    if (known !== undefined && etagMatches(ifNoneMatch, known.etag)) {
      return pngResponse({ key: target.key, sampler: null, bytes: new Uint8Array(0), ...known }, ifNoneMatch);
    }
  }
  if (target.version !== target.manifest.version) {
    const found = await services.samples.find(target.key);
    if (found === undefined) throw versionGone(target.manifest, target.version, "this image was not stored");
    return pngResponse(found, ifNoneMatch);
  }
  const signature = await services.access.checkUrl(c);
  const found = await resolveComposite(services, {
    key: target.key,
    images: target.images,
    admit: services.access.admit(c, signature),
    compute: target.compute,
  });
  c.set("sampleOutcome", { source: found.source, sampler: found.sampler });
  return pngResponse(found, ifNoneMatch);
}
