// GET /v1/models/{model}/{version}/reverse.onnx: the 1-NFE generator of a model placed in
// the browser, for the playground; versioned, so cacheable forever (sha256 ETag).

import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "../errors.js";
import type { ModelEntry } from "../models/registry.js";
import { IMMUTABLE_CACHE_CONTROL } from "../samples/http.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses } from "./common.js";
import { staticResponse } from "./static.js";

export const ONNX_CONTENT_TYPE = "application/octet-stream";
const ROUTE = "/v1/models/:model/:version/reverse.onnx";
/** How the route is named in /openapi.json. */
export const REVERSE_MODEL_ROUTE_NAME = "/v1/models/{model}/{version}/reverse.onnx";

/** The model, if it exists at this version and may run in the browser; not_found otherwise. */
export function browserModel(services: Services, id: string, version: string): ModelEntry {
  const model = requireModel(services.registry, id);
  const { manifest } = model;
  if (manifest.version !== version) {
    throw new ApiError(
      "not_found",
      `model ${manifest.id} is at version ${manifest.version}, not ${version.slice(0, 64)}`,
      {
        param: "version",
      },
    );
  }
  if (!manifest.placements.includes("browser")) {
    throw new ApiError(
      "not_found",
      `model ${manifest.id} is not placed in the browser (${manifest.placements.join(", ")})`,
      {
        param: "model",
      },
    );
  }
  return model;
}

export function registerModelFileRoutes(app: OpenAPIHono, services: Services): void {
  app.get(ROUTE, async (c) => {
    const model = browserModel(services, c.req.param("model"), c.req.param("version"));
    const spec = model.manifest.files.reverse;
    return staticResponse(
      { contentType: ONNX_CONTENT_TYPE, etag: `"${spec.sha256}"`, cacheControl: IMMUTABLE_CACHE_CONTROL },
      c.req.header("if-none-match"),
      // loadFile checks size and sha256 against the manifest, so the ETag tells the truth.
      async () => (await model.loadFile("reverse")).slice(),
    );
  });

  app.openAPIRegistry.registerPath({
    method: "get",
    path: REVERSE_MODEL_ROUTE_NAME,
    tags: ["models"],
    summary: "A browser-placed model's reverse.onnx (1-NFE generator); immutable, ETag = its sha256",
    request: {
      params: z.object({
        model: z.string().openapi({ param: { name: "model", in: "path" }, example: "fmnist-biflow-s" }),
        version: z.string().openapi({ param: { name: "version", in: "path" }, example: "1.0.0" }),
      }),
    },
    responses: {
      200: {
        description: "The ONNX file, as the manifest's sha256 names it.",
        content: { [ONNX_CONTENT_TYPE]: { schema: z.string().openapi({ format: "binary" }) } },
      },
      304: { description: "Not modified (If-None-Match matched the ETag)." },
      404: errorResponses[404],
      405: errorResponses[405],
      500: errorResponses[500],
    },
  });
}
