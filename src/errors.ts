// The one error family of the service: client faults (4xx) apart from server faults (5xx),
// each with a stable `type` string, mapped to an HTTP response in exactly one place.

import { HTTPException } from "hono/http-exception";

/** Stable error types and their HTTP status. Clients may switch on `type`; never rename one. */
const STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  version_gone: 410,
  payload_too_large: 413,
  /** A sampler this server does not run for the model (e.g. exact on a Worker): the message says where it runs. */
  sampler_not_available: 422,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  sampler_unavailable: 503,
  storage_unavailable: 503,
  overloaded: 503,
  sampler_timeout: 504,
  deadline_exceeded: 504,
} as const;

/** Every error type with its status, for the API reference (scripts/lib/api-doc.ts). */
export const ERROR_STATUS: Readonly<Record<ErrorType, ErrorStatus>> = STATUS;

export type ErrorType = keyof typeof STATUS;
export type ErrorStatus = (typeof STATUS)[ErrorType];

export interface ErrorBody {
  error: { type: ErrorType; message: string; param: string | null };
}

export interface ApiErrorOptions {
  /** The request parameter at fault, named as the client wrote it (e.g. `n`, `guidance`). */
  param?: string;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** V8's (Node's and workerd's) knob for stack capture; elsewhere setting it does nothing. */
const v8Error = Error as ErrorConstructor & { stackTraceLimit?: number };

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly type: ErrorType;
  readonly status: ErrorStatus;
  readonly param: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(type: ErrorType, message: string, options: ApiErrorOptions = {}) {
    // No stack trace: an ApiError is an answer, not a fault to debug (logs never carry
    // stacks), and capturing one cost ~50 us per shed request under an overload burst.
    const stackTraceLimit = v8Error.stackTraceLimit;
    v8Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    v8Error.stackTraceLimit = stackTraceLimit;
    this.type = type;
    this.status = STATUS[type];
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  get isClientFault(): boolean {
    return this.status < 500;
  }
}

/** A request parameter that breaks one rule; the message names the parameter and its bounds. */
export function invalidParam(param: string, message: string): ApiError {
  return new ApiError("invalid_request", message, { param });
}

/** Hono raises HTTPException for its own checks (content type, malformed JSON, body limit). */
function fromHttpException(err: HTTPException): ApiError {
  switch (err.status) {
    case 413:
      return new ApiError("payload_too_large", "request body is too large");
    case 415:
      return new ApiError("unsupported_media_type", "Content-Type must be application/json");
    case 400:
      return new ApiError("invalid_json", "request body is not valid JSON");
    default:
      return err.status < 500
        ? new ApiError("invalid_request", err.message)
        : new ApiError("internal", "internal error", { cause: err });
  }
}

/** Any thrown value as an ApiError; anything unknown is a server fault with a bland message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  // Never echo the message of an unknown error: it may carry paths, hosts or secrets.
  return new ApiError("internal", "internal error", { cause: err });
}

export function errorBody(err: ApiError): ErrorBody {
  return { error: { type: err.type, message: err.message, param: err.param } };
}

/** The one place where errors become HTTP responses. */
export function errorResponse(err: ApiError): Response {
  return new Response(JSON.stringify(errorBody(err)), {
    status: err.status,
    headers: { "content-type": "application/json; charset=utf-8", ...err.headers },
  });
}
