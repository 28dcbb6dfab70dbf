// Class grids (issue 12): GET /v1/grids/{model}@{version}/{seed}.png?guidance=w, one sample
// per class for a seed, side by side; canonical and immutable like the sample URLs.

import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { classGrid } from "../composites/images.js";
import { GridUrlParamsSchema, GridUrlQuerySchema } from "../composites/schemas.js";
import { canonicalGuidance } from "../samples/canonical.js";
import { canonicalGridPath, gridKey, parseGridUrl, type GridId } from "../samples/composites.js";
import { resolveGuidance } from "../samples/params.js";
import { versionGone } from "../samples/sample-url.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses } from "./common.js";
import { serveComposite } from "./composite-http.js";

export const GRID_ROUTE = "/v1/grids/:model/:file{[^/]+\\.png}";

async function grid(services: Services, c: Context): Promise<Response> {
  const parts = parseGridUrl(new URL(c.req.url));
  const model = requireModel(services.registry, parts.model);
  const { manifest } = model;
  const version = parts.version ?? manifest.version;
  let guidance: number;
  if (version === manifest.version) guidance = resolveGuidance(manifest, parts.guidance);
  else if (parts.guidance === undefined) throw versionGone(manifest, version, "its default guidance is unknown");
  else guidance = canonicalGuidance(parts.guidance);
  const id: GridId = { modelId: manifest.id, version, seed: parts.seed, guidance };
  const requestId = c.get("requestId");
  return serveComposite(services, c, {
    manifest,
    version,
    canonical: canonicalGridPath(id),
    unsigned: parts.unsigned,
    key: gridKey(id),
    images: manifest.classes.length,
    compute: () => classGrid(services, model, id.seed, guidance, requestId),
  });
}

export function registerGridRoutes(app: OpenAPIHono, services: Services): void {
  app.get(GRID_ROUTE, (c) => grid(services, c));
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/grids/{model}/{seed}.png",
    tags: ["samples"],
    summary: "One sample per class for a seed, in class order, as one PNG (1-pixel black gutters)",
    request: { params: GridUrlParamsSchema, query: GridUrlQuerySchema },
    responses: {
      200: {
        description: "The grid (canonical URLs only; immutable).",
        content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
      },
      302: { description: "Not the canonical URL: Location is." },
      304: { description: "Not modified." },
      ...errorResponses,
    },
  });
}
