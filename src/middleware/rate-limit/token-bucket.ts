// Node's rate limiter: one token bucket per client in this process, refilled continuously
// at perMinute/60 tokens a second up to perMinute, on the injected monotonic clock.

import type { Clock } from "../../clock.js";
import type { LimitName, RateDecision, RateLimiter } from "./limiter.js";

interface Bucket {
  tokens: number;
  at: number;
}

const WINDOW_SECONDS = 60;
/** Past this many clients, buckets that have refilled completely are dropped (they hold no state). */
const SWEEP_ABOVE = 10_000;

export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly name: LimitName,
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.perMs = perMinute / (WINDOW_SECONDS * 1000);
  }

  take(key: string, cost: number): Promise<RateDecision> {
    return Promise.resolve(this.takeNow(key, cost));
  }

  takeNow(key: string, cost: number): RateDecision {
    const now = this.clock.monotonic();
    const bucket = this.refill(key, now);
    const ok = cost <= bucket.tokens;
    if (ok) bucket.tokens -= cost;
    // A cost over the whole quota can never pass: say so with a full window, not a false hope.
    const wait = cost > this.perMinute ? WINDOW_SECONDS * 1000 : Math.max(0, (cost - bucket.tokens) / this.perMs);
    if (this.buckets.size > SWEEP_ABOVE) this.sweep(now);
    return {
      ok,
      retryAfterSeconds: ok ? 0 : Math.max(1, Math.ceil(wait / 1000)),
      state: {
        quota: this.perMinute,
        windowSeconds: WINDOW_SECONDS,
        remaining: Math.floor(bucket.tokens),
        resetSeconds: Math.ceil((this.perMinute - bucket.tokens) / this.perMs / 1000),
      },
    };
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}
