// The one interface both rate limiters implement (Node's in-process token bucket, the
// Workers rate-limiting binding), and what a decision says about the client's quota.

export type LimitName = "requests" | "images";

/** The numbers of an IETF RateLimit header (draft-ietf-httpapi-ratelimit-headers), when known. */
export interface QuotaState {
  /** Quota units per window. */
  quota: number;
  windowSeconds: number;
  /** Units left now. */
  remaining: number;
  /** Seconds until the quota is whole again. */
  resetSeconds: number;
}

export interface RateDecision {
  ok: boolean;
  /** Seconds after which the same cost would pass (Retry-After when refused). */
  retryAfterSeconds: number;
  /** Absent where the runtime only says yes or no (the Workers binding). */
  state?: QuotaState;
}

export interface RateLimiter {
  readonly name: LimitName;
  /** Takes `cost` units from `key`'s quota, or refuses and takes nothing. */
  take(key: string, cost: number): Promise<RateDecision>;
  /**
   * The same decision without a promise, where the limiter decides in process (Node's token
   * bucket); answers prepared ahead of requests need it, and are not used without it.
   */
  takeNow?(key: string, cost: number): RateDecision;
}

export interface Limiters {
  requests?: RateLimiter;
  images?: RateLimiter;
}
