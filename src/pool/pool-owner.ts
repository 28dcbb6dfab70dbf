// The pool's shared state where no timer runs between requests (Workers): one owner (a
// Durable Object) probes the backends, sums what isolates report and hands out snapshots.

import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { importSigningKey } from "../contract/signing.js";
import { Registry } from "../metrics.js";
import { Backend, type BackendHealth, type Fetch } from "./backend.js";
import type { PoolConfig } from "./config.js";
import { PoolMetrics, type AttemptOutcome } from "./metrics.js";

/**
 * The pool settings an owner needs, the secret included: it signs its probes with the
 * secret of the isolates that ask it, so a secret rotation never mixes old and new.
 */
export type PoolSettings = Pick<
  PoolConfig,
  "urls" | "secret" | "healthIntervalMs" | "healthTimeoutMs" | "breakerFailures" | "breakerOpenMs"
>;

export interface PoolSnapshot {
  /** When the owner made it (Unix ms). */
  takenAt: number;
  backends: BackendHealth[];
}

/** What one isolate tells the owner each time it asks for a snapshot. */
export interface IsolateReport {
  /** Random per isolate, so its outstanding counts replace its previous ones. */
  isolate: string;
  /** Requests it has in flight now, by backend URL. */
  outstanding: Record<string, number>;
  /** How its attempts ended since its last report, in order. */
  outcomes: { url: string; outcome: AttemptOutcome }[];
}

export interface PoolOwnerDeps {
  fetch: Fetch;
  clock: Clock;
  logger: Logger;
}

/** An isolate that has not reported for this long holds nothing in flight any more. */
export const REPORT_TTL_MS = 30_000;

export class PoolOwner {
  readonly backends: readonly Backend[];
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private probing: Promise<void> | undefined;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private readonly reports = new Map<string, { at: number; outstanding: Record<string, number> }>();

  constructor(
    readonly settings: PoolSettings,
    private readonly deps: PoolOwnerDeps,
  ) {
    const key = importSigningKey(settings.secret);
    // Observed here so a bad key cannot be an unhandled rejection; the probes then fail.
    key.catch((err: unknown) => deps.logger.error("backend signing key unusable", { error: err }));
    const backendDeps = {
      ...deps,
      // Signs the probes (GET /v1/handshake): a backend with another secret is unusable.
      key,
      // Its own registry: the owner's gauges are not scraped; the isolates publish theirs.
      metrics: new PoolMetrics(new Registry()),
      healthTimeoutMs: settings.healthTimeoutMs,
      breakerFailures: settings.breakerFailures,
      breakerOpenMs: settings.breakerOpenMs,
    };
    this.backends = settings.urls.map((url, i) => new Backend(url, i, backendDeps));
  }

  /** Probes every backend once, in parallel; callers during a probe share it. */
  probe(): Promise<void> {
    this.probing ??= (async () => {
      this.lastProbeAt = this.deps.clock.now();
      try {
        await Promise.all(this.backends.map((b) => b.check()));
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }

  /** No probe within two intervals: the probe loop stopped (idle, or the object was evicted). */
  stale(): boolean {
    return this.deps.clock.now() - this.lastProbeAt > 2 * this.settings.healthIntervalMs;
  }

  /** Whether someone read a snapshot recently enough to keep probing. */
  wanted(idleMs: number): boolean {
    return this.deps.clock.now() - this.lastReadAt <= idleMs;
  }

  /** Takes one isolate's report and answers with the pool as the other isolates left it. */
  sync(report: IsolateReport): PoolSnapshot {
    const now = this.deps.clock.now();
    this.lastReadAt = now;
    for (const { url, outcome } of report.outcomes) this.backends.find((b) => b.url === url)?.report(outcome);
    this.reports.set(report.isolate, { at: now, outstanding: report.outstanding });
    for (const [isolate, r] of this.reports) if (now - r.at > REPORT_TTL_MS) this.reports.delete(isolate);
    return {
      takenAt: now,
      backends: this.backends.map((b) => ({
        ...b.health(),
        outstanding: this.othersOutstanding(b.url, report.isolate),
      })),
    };
  }

  private othersOutstanding(url: string, self: string): number {
    let sum = 0;
    for (const [isolate, r] of this.reports) if (isolate !== self) sum += r.outstanding[url] ?? 0;
    return sum;
  }
}
