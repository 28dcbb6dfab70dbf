// One router at a time works a job: a claim is the next numbered lease object (written
// first-writer-wins, so of two routers racing for number n exactly one wins) that lapses
// at expiresAt; the holder renews by writing the next number itself before it lapses.
// Needs a store whose conditional put is real (fs, R2, AWS S3, MinIO); docs/jobs.md.

import type { Clock } from "../clock.js";
import type { JobRecords } from "./records.js";

export interface HeldLease {
  n: number;
  expiresAt: number;
}

export class JobLease {
  /** The lease number this router holds, per job. */
  private readonly held = new Map<string, HeldLease>();

  /**
   * `renewWithinMs`: a held lease is renewed once less than this is left (half the lease
   * by default, to keep writes few). The Worker renews at every step (Infinity): each step
   * then takes a new number, so of two deliveries of one queue message only one proceeds.
   */
  constructor(
    private readonly records: JobRecords,
    private readonly holder: string,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly renewWithinMs = leaseMs / 2,
  ) {}

  /**
   * Claims or renews the job's lease; false when another holder has an unexpired one or
   * won the race for the next number.
   */
  async claim(id: string): Promise<boolean> {
    const now = this.clock.now();
    const mine = this.held.get(id);
    if (mine !== undefined && mine.expiresAt - now > this.renewWithinMs) return true;
    const current = await this.records.lease(id);
    if (current !== undefined) {
      const { record } = current;
      const ours = record.holder === this.holder && mine?.n === current.n;
      if (!ours && record.expiresAt > now) {
        this.held.delete(id);
        return false;
      }
    }
    const n = (current?.n ?? -1) + 1;
    const expiresAt = now + this.leaseMs;
    if ((await this.records.putLease(id, n, { holder: this.holder, expiresAt })) === "exists") {
      this.held.delete(id);
      return false;
    }
    this.held.set(id, { n, expiresAt });
    return true;
  }

  /**
   * Keeps the held lease until `until` (epoch ms), as a renewal does (the next number): a
   * queue chain whose next step is delayed (pacing, backoff) stays the job's holder until
   * that step is due, so the Worker's sweep does not take the job over. False when this
   * holder no longer holds it.
   */
  async holdUntil(id: string, until: number): Promise<boolean> {
    const mine = this.held.get(id);
    if (mine === undefined) return false;
    if (mine.expiresAt >= until) return true;
    const n = mine.n + 1;
    if ((await this.records.putLease(id, n, { holder: this.holder, expiresAt: until })) === "exists") {
      this.held.delete(id);
      return false;
    }
    this.held.set(id, { n, expiresAt: until });
    return true;
  }

  /** The lease held on the job, if any (a queue message carries it to the next step). */
  heldOn(id: string): HeldLease | undefined {
    return this.held.get(id);
  }

  /** Resumes holding a lease this holder took in an earlier step (from a queue message). */
  adopt(id: string, lease: HeldLease): void {
    this.held.set(id, lease);
  }

  /** Forgets the job (done with it); the lease lapses by itself. */
  release(id: string): void {
    this.held.delete(id);
  }
}
