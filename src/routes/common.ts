// Helpers shared by the route modules: schema parsing and body limits that throw the
// service's errors, and the error responses every route documents in /openapi.json.

import type { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors.js";
import { ErrorSchema } from "../schemas.js";
import { validationError } from "../validation.js";

/** Parses with a schema, throwing invalid_request for the first broken rule. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** Refuses bodies over `maxBytes` (by Content-Length, or while streaming) with payload_too_large. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("payload_too_large", `request body must be at most ${maxBytes} bytes`);
    },
  });
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
