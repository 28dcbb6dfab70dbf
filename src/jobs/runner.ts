// The job executor of one router (Node): finds jobs in the store and works them chunk by
// chunk, each step being stepper.ts's (lease, chunk through the sample service, record;
// the Worker's queue consumer takes the same steps). After each chunk a record is written:
// a router killed mid-job loses at most the chunk in flight, whose stored images the next
// router finds. One chunk runs at a time per router,
// taken in turn from each owner's jobs (fair share) and never more than a batch's worth,
// so interactive requests wait for at most one chunk.

import { JobLease } from "./lease.js";
import { freshJob, JobStepper, realSleep, type ActiveJob, type Sleep, type StepperDeps } from "./stepper.js";

export { MAX_CHUNK_FAILURES, realSleep, type Sleep } from "./stepper.js";

export interface RunnerDeps extends Omit<StepperDeps, "stopping"> {
  /** This router's name in leases. */
  holder: string;
}

export class JobRunner {
  private readonly active = new Map<string, ActiveJob>();
  private readonly served = new Map<string, number>();
  private readonly lease: JobLease;
  private readonly sleep: Sleep;
  private readonly stepper: JobStepper;
  private readonly stopping = new AbortController();
  private readonly deliveries = new Set<Promise<void>>();
  private nextIndex = 0;
  private knownIndex = -1;
  private nextDiscovery = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: RunnerDeps) {
    this.lease = new JobLease(deps.records, deps.holder, deps.clock, deps.config.leaseMs);
    this.sleep = deps.sleep ?? realSleep;
    this.stepper = new JobStepper({ ...deps, sleep: this.sleep, stopping: this.stopping.signal });
  }

  /** Works jobs until stop(). */
  start(): void {
    if (this.loop !== undefined) return;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        let worked = false;
        try {
          worked = await this.step();
        } catch (err) {
          this.deps.logger.error("job step failed", { error: err });
        }
        if (!worked) await this.sleep(this.deps.config.pollMs, this.stopping.signal);
      }
    })();
  }

  /** Stops after the chunk in flight; webhook retries in progress are abandoned (redelivered on restart). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.allSettled([...this.deliveries]);
  }

  /** One scheduling step: look for new jobs (every pollMs), then advance one ready job by one chunk. */
  async step(): Promise<boolean> {
    await this.discover();
    const job = this.pick();
    if (job === undefined) return false;
    this.served.set(job.spec.owner, (this.served.get(job.spec.owner) ?? 0) + 1);
    this.served.set(job.spec.id, (this.served.get(job.spec.id) ?? 0) + 1);
    await this.advance(job);
    return true;
  }

  /** Waits for webhook deliveries started so far (tests). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  private async discover(): Promise<void> {
    const now = this.deps.clock.now();
    if (now < this.nextDiscovery) return;
    this.nextDiscovery = now + this.deps.config.pollMs;
    const { ids, last } = await this.deps.records.indexFrom(this.nextIndex, this.knownIndex);
    for (const { id } of ids) {
      if (this.active.has(id)) continue;
      const spec = await this.deps.records.spec(id);
      if (spec !== undefined) this.active.set(id, freshJob(spec));
    }
    this.knownIndex = last;
    this.nextIndex = last + 1;
  }

  /** The ready job whose owner, then the job itself, has been served least: fair share. */
  private pick(): ActiveJob | undefined {
    const now = this.deps.clock.now();
    let best: ActiveJob | undefined;
    let bestScore: [number, number] = [Infinity, Infinity];
    for (const job of this.active.values()) {
      if (job.notBefore > now || job.webhookInFlight) continue;
      const score: [number, number] = [this.served.get(job.spec.owner) ?? 0, this.served.get(job.spec.id) ?? 0];
      if (score[0] < bestScore[0] || (score[0] === bestScore[0] && score[1] < bestScore[1])) {
        best = job;
        bestScore = score;
      }
    }
    return best;
  }

  private drop(job: ActiveJob): void {
    this.active.delete(job.spec.id);
    this.served.delete(job.spec.id);
    this.lease.release(job.spec.id);
  }

  private async advance(job: ActiveJob): Promise<void> {
    const result = await this.stepper.advance(job, this.lease);
    if (result === "done") return this.drop(job);
    if (result === "continue") return;
    // The delivery retries in the background; the job is not picked meanwhile.
    job.webhookInFlight = true;
    const delivery = result.webhook
      .then((finished) => {
        if (finished) this.drop(job);
        else job.webhookInFlight = false;
      })
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }
}
