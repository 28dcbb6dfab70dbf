// One router at a time works a job: a claim is the next numbered lease object (written
// first-writer-wins, so of two routers racing for number n exactly one wins) that lapses
// at expiresAt; the holder renews by writing the next number itself before it lapses.
// Needs a store whose conditional put is real (fs, R2, AWS S3, MinIO); README, "Jobs".

import type { Clock } from "../clock.js";
import type { JobRecords } from "./records.js";

export class JobLease {
  /** The lease number this router holds, per job. */
  private readonly held = new Map<string, { n: number; expiresAt: number }>();

  constructor(
    private readonly records: JobRecords,
    private readonly holder: string,
    private readonly clock: Clock,
    private readonly leaseMs: number,
  ) {}

  /**
   * Claims or renews the job's lease; false when another router holds an unexpired one or
   * won the race for the next number. Renews only past half the lease, to keep writes few.
   */
  async claim(id: string): Promise<boolean> {
    const now = this.clock.now();
    const mine = this.held.get(id);
    if (mine !== undefined && mine.expiresAt - now > this.leaseMs / 2) return true;
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

  /** Forgets the job (done with it); the lease lapses by itself. */
  release(id: string): void {
    this.held.delete(id);
  }
}
