// Every object store call with a deadline and bounded retries (issue 10): a hung or flaky
// store fails a request in bounded time instead of hanging it; and readiness from a cached
// store check with hysteresis, so one blip does not mark every router unready at once.

import type { ObjectInfo, ObjectStore, PutOptions, PutOutcome, StoredObject, StoreHealth } from "./object-store.js";

export interface ResilienceOptions {
  /** One attempt's limit (STORE_TIMEOUT_MS). */
  attemptTimeoutMs: number;
  /** Retries after the first attempt (STORE_RETRIES); their waits grow 50, 100, 200 ms... */
  retries: number;
  /** A call's whole budget, attempts and waits together (STORE_DEADLINE_MS). */
  deadlineMs: number;
  /** How long a store check's verdict is reused by /health/ready (STORE_HEALTH_TTL_MS). */
  healthTtlMs: number;
  /** Consecutive failed checks before the store counts as down (and successes to be up again). */
  hysteresis: number;
  /** Monotonic milliseconds. */
  now: () => number;
}

export class StoreTimeoutError extends Error {
  override readonly name = "StoreTimeoutError";
}

function attempt<T>(work: () => Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`store call took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work(), limit]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ResilientStore implements ObjectStore {
  private verdict: StoreHealth = { ok: true, detail: "not checked yet" };
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | undefined;
  private failures = 0;
  private successes = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly options: ResilienceOptions,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** Runs `work` with per-attempt timeouts and retries until it succeeds or the budget ends. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    const { attemptTimeoutMs, retries, deadlineMs, now } = this.options;
    const end = now() + deadlineMs;
    let lastError: unknown;
    for (let i = 0; i <= retries; i++) {
      const left = end - now();
      if (left <= 0) break;
      try {
        const value = await attempt(work, Math.min(attemptTimeoutMs, left));
        this.record(true);
        return value;
      } catch (err) {
        lastError = err;
        this.record(false);
      }
      const wait = Math.min(50 * 2 ** i, end - now());
      if (i < retries && wait > 0) await pause(wait);
    }
    throw lastError instanceof Error
      ? lastError
      : new StoreTimeoutError(`store call failed within ${deadlineMs} ms`, { cause: lastError });
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.call(() => this.inner.get(key));
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.call(() => this.inner.head(key));
  }

  put(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutOutcome> {
    return this.call(() => this.inner.put(key, bytes, options));
  }

  objectUrl(key: string): Promise<string | undefined> {
    return this.inner.objectUrl(key);
  }

  /**
   * The cached verdict, refreshed in the background once it is older than the TTL: a probe
   * never waits on the store, and the verdict flips only after `hysteresis` results in a row.
   */
  health(): Promise<StoreHealth> {
    if (this.options.now() - this.checkedAt >= this.options.healthTtlMs && this.checking === undefined) {
      this.checkedAt = this.options.now();
      this.checking = this.refresh().finally(() => (this.checking = undefined));
      // The first check ever is awaited: there is no verdict to serve yet.
      if (this.verdict.detail === "not checked yet") return this.checking.then(() => this.verdict);
    }
    return Promise.resolve(this.verdict);
  }

  private async refresh(): Promise<void> {
    let result: StoreHealth;
    try {
      result = await attempt(() => this.inner.health(), this.options.attemptTimeoutMs);
    } catch (err) {
      result = { ok: false, detail: err instanceof Error ? err.message : "store check failed" };
    }
    this.record(result.ok, result.detail);
  }

  /** Real calls and checks alike move the verdict, `hysteresis` results in a row at a time. */
  private record(ok: boolean, detail?: string): void {
    if (ok) {
      this.successes += 1;
      this.failures = 0;
    } else {
      this.failures += 1;
      this.successes = 0;
    }
    const { hysteresis } = this.options;
    if (this.verdict.ok && this.failures >= hysteresis) {
      this.verdict = { ok: false, detail: detail ?? `${this.failures} store calls failed in a row` };
    } else if (!this.verdict.ok && this.successes >= hysteresis) {
      this.verdict = { ok: true, detail: detail ?? "store calls succeed again" };
    } else if (this.verdict.detail === "not checked yet" || (ok === this.verdict.ok && detail !== undefined)) {
      this.verdict = { ok: this.verdict.ok, detail: detail ?? this.verdict.detail };
    }
  }
}

/** Consecutive results that flip the store's readiness verdict. */
export const STORE_HEALTH_HYSTERESIS = 3;

/** Wraps a store with the configured deadlines, retries and cached check. */
export function resilientStore(
  inner: ObjectStore,
  config: Omit<ResilienceOptions, "hysteresis" | "now">,
  now: () => number,
): ResilientStore {
  return new ResilientStore(inner, { ...config, hysteresis: STORE_HEALTH_HYSTERESIS, now });
}
