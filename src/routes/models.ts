// GET /v1/models: the registered models with their shape, classes, guidance range,
// placements, parameter counts and model-card metrics.

import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { slugify } from "../models/classes.js";
import type { ModelEntry } from "../models/registry.js";
import { ModelListSchema, type ModelInfoSchema } from "../schemas.js";
import type { z } from "@hono/zod-openapi";
import type { Services } from "../services.js";
import { errorResponses } from "./common.js";

export function describeModel(entry: ModelEntry): z.infer<typeof ModelInfoSchema> {
  const m = entry.manifest;
  return {
    id: m.id,
    version: m.version,
    description: m.description,
    image: m.image,
    classes: m.classes.map((name, index) => ({ index, name, slug: slugify(name) })),
    null_class: m.null_class,
    guidance: m.guidance,
    placements: m.placements,
    parameters: m.parameters,
    metrics: m.metrics,
    encode: entry.hasFile("forward"),
  };
}

const listModels = createRoute({
  method: "get",
  path: "/v1/models",
  tags: ["models"],
  summary: "List the models this service can sample",
  responses: {
    200: { description: "The models.", content: { "application/json": { schema: ModelListSchema } } },
    500: errorResponses[500],
  },
});

export function registerModelRoutes(app: OpenAPIHono, services: Services): void {
  app.openapi(listModels, (c) => c.json({ models: services.registry.list().map(describeModel) }, 200));
}
