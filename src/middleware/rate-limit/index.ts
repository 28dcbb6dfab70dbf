// RATE_LIMIT_REQUESTS_PER_MINUTE (every /v1 request) and RATE_LIMIT_IMAGES_PER_MINUTE
// (computed images only): over -> 429 rate_limited with Retry-After and, where the
// limiter knows its numbers, the IETF RateLimit-Policy / RateLimit fields.

import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../../errors.js";
import "../context.js";
import { rateLimitHeaders } from "./headers.js";
import type { RateDecision, RateLimiter } from "./limiter.js";

export type { LimitName, Limiters, RateDecision, RateLimiter } from "./limiter.js";
export { TokenBucketLimiter } from "./token-bucket.js";

function refusal(limiter: RateLimiter, decision: RateDecision, cost: number): ApiError {
  const unit = limiter.name === "images" ? "computed images" : "requests";
  const quota = decision.state?.quota;
  const message =
    quota !== undefined && cost > quota
      ? `this request needs ${cost} ${unit}; at most ${quota} per minute are allowed`
      : `rate limit exceeded: ${quota === undefined ? "too many" : `more than ${quota}`} ${unit} per minute; retry after ${decision.retryAfterSeconds} s`;
  return new ApiError("rate_limited", message, { headers: rateLimitHeaders(limiter.name, decision) });
}

function setHeaders(c: Context, headers: Record<string, string>): void {
  // Onto c.res itself: headers prepared before a handler returns a raw Response would be lost.
  const target = c.res.headers;
  // Both limits may speak on one response: the fields are lists, so append.
  for (const [name, value] of Object.entries(headers)) target.append(name, value);
}

/** Counts every request against `clientKey(c)`; refuses with 429 before any work. */
export function limitRequests(limiter: RateLimiter, clientKey: (c: Context) => string): MiddlewareHandler {
  return async (c, next) => {
    const decision = await limiter.take(clientKey(c), 1);
    if (!decision.ok) throw refusal(limiter, decision, 1);
    setHeaders(c, rateLimitHeaders(limiter.name, decision));
    await next();
  };
}

/** Charges `count` computed images to the client, or throws 429 (nothing is computed then). */
export function imageCharge(limiter: RateLimiter, c: Context, key: string): (count: number) => Promise<void> {
  return async (count) => {
    const decision = await limiter.take(key, count);
    if (!decision.ok) throw refusal(limiter, decision, count);
    setHeaders(c, rateLimitHeaders(limiter.name, decision));
  };
}
