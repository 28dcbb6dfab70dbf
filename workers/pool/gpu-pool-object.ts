// The Durable Object that owns the GPU pool's state for every isolate: it probes the backends
// from alarm() (workerd runs no timer between requests), keeps the shared breakers and the
// requests in flight, and answers each isolate's report with a snapshot.

import { DurableObject } from "cloudflare:workers";
import { systemClock } from "../../src/clock.js";
import { createJsonLogger } from "../../src/logger.js";
import { PoolOwner, type IsolateReport, type PoolSettings, type PoolSnapshot } from "../../src/pool/pool-owner.js";

/** With no isolate asking for this long, the probes stop (the next ask restarts them). */
export const IDLE_STOP_MS = 60_000;

const logger = createJsonLogger({ level: "info", clock: systemClock, write: (line) => console.log(line) });

/**
 * The bindings this object reads from its env: none (the backends' URLs and secret arrive
 * with each sync() call). Typed on its own, not as the Worker's Env (workers/env.ts), which
 * names this class for its GPU_POOL binding: the object does not depend on the Worker.
 */
export type GpuPoolBindings = Readonly<Record<string, unknown>>;

export class GpuPool extends DurableObject<GpuPoolBindings> {
  private owner: PoolOwner | undefined;

  /** One isolate's report in, the pool's state out; probes first when the probes had stopped. */
  async sync(settings: PoolSettings, report: IsolateReport): Promise<PoolSnapshot> {
    const owner = this.ownerFor(settings);
    if (owner.stale()) await owner.probe();
    const snapshot = owner.sync(report);
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + settings.healthIntervalMs);
    }
    return snapshot;
  }

  override async alarm(): Promise<void> {
    const owner = this.owner;
    // Evicted (settings lost) or nobody reading: stop; the next sync() probes and re-arms.
    if (owner === undefined || !owner.wanted(IDLE_STOP_MS)) return;
    await owner.probe();
    await this.ctx.storage.setAlarm(Date.now() + owner.settings.healthIntervalMs);
  }

  private ownerFor(settings: PoolSettings): PoolOwner {
    // Named by URL list and secret fingerprint; timing settings may still change with a deploy.
    if (this.owner === undefined || JSON.stringify(this.owner.settings) !== JSON.stringify(settings)) {
      this.owner = new PoolOwner(settings, { fetch: (input, init) => fetch(input, init), clock: systemClock, logger });
    }
    return this.owner;
  }
}
