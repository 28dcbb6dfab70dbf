// The Worker's rate limiters: Cloudflare's rate-limiting bindings declared in wrangler.toml
// ([[ratelimits]], a fixed window per key). The RATE_LIMIT_* variables switch them on.

import type { Config } from "../src/config.js";
import { ConfigError } from "../src/config/reader.js";
import type { LimitName, Limiters, RateDecision, RateLimiter } from "../src/middleware/rate-limit/index.js";
import type { Env } from "./env.js";

/** `simple.period` of both [[ratelimits]] in wrangler.toml (the binding offers 10 or 60). */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * The binding counts one unit per call and answers only yes or no, so the quota numbers
 * are not known here (no RateLimit fields) and Retry-After is the whole period. A cost of
 * n is n calls: a refused request may have used part of the window.
 */
export class BindingLimiter implements RateLimiter {
  constructor(
    readonly name: LimitName,
    private readonly binding: RateLimit,
  ) {}

  async take(key: string, cost: number): Promise<RateDecision> {
    for (let i = 0; i < cost; i++) {
      const { success } = await this.binding.limit({ key });
      if (!success) return { ok: false, retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS };
    }
    return { ok: true, retryAfterSeconds: 0 };
  }
}

/** The limiters the variables switch on; a variable set without its binding is a config error. */
export function bindingLimiters(config: Config, env: Env): Limiters {
  const problems: string[] = [];
  const pick = (
    name: LimitName,
    perMinute: number,
    variable: string,
    binding: RateLimit | undefined,
    bindingName: string,
  ) => {
    if (perMinute === 0) return {};
    if (binding === undefined) {
      problems.push(`${variable} is set but wrangler.toml declares no [[ratelimits]] binding ${bindingName}`);
      return {};
    }
    return { [name]: new BindingLimiter(name, binding) };
  };
  const limiters: Limiters = {
    ...pick(
      "requests",
      config.access.requestsPerMinute,
      "RATE_LIMIT_REQUESTS_PER_MINUTE",
      env.REQUESTS_RATE_LIMITER,
      "REQUESTS_RATE_LIMITER",
    ),
    ...pick(
      "images",
      config.access.imagesPerMinute,
      "RATE_LIMIT_IMAGES_PER_MINUTE",
      env.IMAGES_RATE_LIMITER,
      "IMAGES_RATE_LIMITER",
    ),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return limiters;
}
