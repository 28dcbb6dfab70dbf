// The error family and its single mapping to HTTP: client faults keep their message,
// server faults never leak theirs, Hono's own exceptions map to stable types.

import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { ApiError, errorResponse, invalidParam, toApiError } from "../../src/errors.js";

describe("toApiError", () => {
  it("keeps ApiErrors as they are", () => {
    const err = invalidParam("n", "n must be an integer from 1 to 64; got 0");
    expect(toApiError(err)).toBe(err);
    expect(err.isClientFault).toBe(true);
  });

  it.each([
    [413, "payload_too_large", 413],
    [415, "unsupported_media_type", 415],
    [400, "invalid_json", 400],
    [422, "invalid_request", 400],
    [502, "internal", 500],
  ] as const)("maps Hono's HTTPException %i to %s", (status, type, httpStatus) => {
    const mapped = toApiError(new HTTPException(status, { message: "x" }));
    expect([mapped.type, mapped.status]).toEqual([type, httpStatus]);
  });

  it("turns unknown errors into a bland internal error", () => {
    const mapped = toApiError(new Error("ECONNREFUSED 10.0.0.3:9000 key=AKIA..."));
    expect([mapped.type, mapped.status, mapped.message]).toEqual(["internal", 500, "internal error"]);
    expect(mapped.isClientFault).toBe(false);
  });
});

describe("errorResponse", () => {
  it("writes {error: {type, message, param}} with the status and extra headers", async () => {
    const res = errorResponse(new ApiError("method_not_allowed", "nope", { headers: { allow: "GET" } }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(await res.json()).toEqual({ error: { type: "method_not_allowed", message: "nope", param: null } });
  });

  it.each([
    ["sampler_unavailable", 503],
    ["storage_unavailable", 503],
    ["sampler_timeout", 504],
    ["model_not_found", 404],
  ] as const)("%s is HTTP %i", (type, status) => {
    expect(errorResponse(new ApiError(type, "m")).status).toBe(status);
  });
});
