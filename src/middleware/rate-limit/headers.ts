// The IETF rate-limit fields (draft-ietf-httpapi-ratelimit-headers-10: RateLimit-Policy and
// RateLimit, structured-field lists) and Retry-After, from limiter decisions.

import type { LimitName, RateDecision } from "./limiter.js";

export function policyItem(name: LimitName, decision: RateDecision): string | undefined {
  const s = decision.state;
  return s === undefined ? undefined : `"${name}";q=${s.quota};w=${s.windowSeconds}`;
}

export function stateItem(name: LimitName, decision: RateDecision): string | undefined {
  const s = decision.state;
  return s === undefined ? undefined : `"${name}";r=${s.remaining};t=${s.resetSeconds}`;
}

/** Headers for one decision; Retry-After only on a refusal. */
export function rateLimitHeaders(name: LimitName, decision: RateDecision): Record<string, string> {
  const headers: Record<string, string> = {};
  const policy = policyItem(name, decision);
  const state = stateItem(name, decision);
  if (policy !== undefined) headers["ratelimit-policy"] = policy;
  if (state !== undefined) headers.ratelimit = state;
  if (!decision.ok) headers["retry-after"] = String(decision.retryAfterSeconds);
  return headers;
}
