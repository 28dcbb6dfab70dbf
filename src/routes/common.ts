// Helpers shared by the route modules: schema parsing that throws the service's errors,
// and the error responses every route documents in /openapi.json.

import type { z } from "@hono/zod-openapi";
import { ErrorSchema } from "../schemas.js";
import { validationError } from "../validation.js";

/** Parses with a schema, throwing invalid_request for the first broken rule. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

function errorContent(description: string) {
  return { description, content: { "application/json": { schema: ErrorSchema } } };
}

export const errorResponses = {
  400: errorContent("A parameter breaks a rule; `param` names it."),
  404: errorContent("Unknown model or route."),
  405: errorContent("Method not allowed; see the Allow header."),
  500: errorContent("Server fault."),
  503: errorContent("No sampler or store available."),
} as const;
