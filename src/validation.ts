// Turns a schema failure into the service's error family: the first broken rule becomes
// one invalid_request naming the parameter, with the schema's own message.

import type { ZodError } from "zod";
import { ApiError } from "./errors.js";

export function validationError(error: ZodError): ApiError {
  const issue = error.issues[0];
  if (issue === undefined) return new ApiError("invalid_request", "invalid request");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return new ApiError("invalid_request", `unknown parameter "${key}"`, { param: key });
  }
  const param = issue.path.map(String).join(".");
  return new ApiError("invalid_request", issue.message, param === "" ? {} : { param });
}
