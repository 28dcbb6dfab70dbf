// The GPU pool of one isolate that has no timer (Workers): health comes from the pool's owner
// as a snapshot refreshed in the background, so the hot path never waits on it while the
// snapshot is fresh; in between, failures open the local breaker (passive health).

import { systemClock, type Clock } from "../clock.js";
import { toHex } from "../bytes.js";
import { silentLogger, type Logger } from "../logger.js";
import { withTimeout } from "../timeout.js";
import type { SnapshotConfig } from "./config.js";
import type { AttemptOutcome } from "./metrics.js";
import type { IsolateReport, PoolSettings, PoolSnapshot } from "./pool-owner.js";
import { PoolSampler, type AttemptObserver, type PoolSamplerOptions } from "./pool-sampler.js";

export interface SnapshotPoolOptions extends Omit<PoolSamplerOptions, "observer"> {
  snapshot: SnapshotConfig;
  /** Sends this isolate's report to the owner and returns its snapshot. */
  sync: (settings: PoolSettings, report: IsolateReport) => Promise<PoolSnapshot>;
}

const settled = Promise.resolve();

export class SnapshotPool implements AttemptObserver {
  readonly sampler: PoolSampler;
  readonly isolate = toHex(crypto.getRandomValues(new Uint8Array(8)));
  private readonly settings: PoolSettings;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private outcomes: IsolateReport["outcomes"] = [];
  private readonly inFlight = new Map<string, number>();
  /** When the last snapshot arrived (Unix ms); none yet: never. */
  private receivedAt = Number.NEGATIVE_INFINITY;
  /** After a failed sync, requests do not wait on the owner again before this time. */
  private quietUntil = Number.NEGATIVE_INFINITY;
  private syncing: Promise<void> | undefined;

  constructor(private readonly options: SnapshotPoolOptions) {
    const { urls, secret, healthIntervalMs, healthTimeoutMs, breakerFailures, breakerOpenMs } = options.config;
    this.settings = { urls, secret, healthIntervalMs, healthTimeoutMs, breakerFailures, breakerOpenMs };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.sampler = new PoolSampler({ ...options, observer: this });
  }

  /**
   * Call before routing. Fresh snapshot: returns at once. Aging: starts a refresh in the
   * background (see pending()) and returns at once. Too old or none: waits for the owner
   * up to waitMs, then fails open on the last snapshot and passive health.
   */
  prepare(): Promise<void> {
    const now = this.clock.now();
    const age = now - this.receivedAt;
    const { refreshMs, maxAgeMs, waitMs } = this.options.snapshot;
    // Fresh, or the owner just failed us: route on what we have.
    if (age < refreshMs || now < this.quietUntil) return settled;
    const refresh = this.refresh();
    if (age < maxAgeMs) return settled;
    return withTimeout(refresh, waitMs, () => new Error(`no snapshot within ${waitMs} ms`)).catch((err: unknown) => {
      this.quietUntil = this.clock.now() + refreshMs;
      this.logger.warn("gpu pool snapshot late; routing on the last one", { error: err });
    });
  }

  /** The refresh in progress, if any (Workers hand it to ctx.waitUntil). */
  pending(): Promise<void> {
    return this.syncing ?? settled;
  }

  begin(url: string): void {
    this.inFlight.set(url, (this.inFlight.get(url) ?? 0) + 1);
  }

  end(url: string, outcome: AttemptOutcome): void {
    this.inFlight.set(url, Math.max(0, (this.inFlight.get(url) ?? 0) - 1));
    this.outcomes.push({ url, outcome });
  }

  private refresh(): Promise<void> {
    this.syncing ??= (async () => {
      const report: IsolateReport = {
        isolate: this.isolate,
        outstanding: Object.fromEntries(this.inFlight),
        outcomes: this.outcomes,
      };
      this.outcomes = [];
      try {
        const snapshot = await this.options.sync(this.settings, report);
        this.sampler.applyHealth(snapshot.backends);
        this.receivedAt = this.clock.now();
      } catch (err) {
        // The owner is unavailable: keep routing on what we have; its breaker misses these.
        this.quietUntil = this.clock.now() + this.options.snapshot.refreshMs;
        this.logger.warn("gpu pool snapshot failed; routing on the last one", { error: err });
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }
}
