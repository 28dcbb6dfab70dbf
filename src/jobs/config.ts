// Typed settings of batch jobs (POST /v1/jobs): size and retention limits, chunking, the
// lease that lets one router at a time work a job, and webhook delivery.

import type { ConfigReader } from "../config/reader.js";

export interface JobsConfig {
  /** Most images one job may ask for (JOBS_MAX_IMAGES). */
  maxImages: number;
  /** How long a job and its outputs are kept after it was created (JOBS_RETENTION_HOURS). */
  retentionMs: number;
  /** Images per chunk: the unit of work, progress and redo after a crash (JOBS_CHUNK_SIZE). */
  chunkSize: number;
  /** A router's claim on a job lapses this long after its last renewal (JOBS_LEASE_MS). */
  leaseMs: number;
  /** How often an idle router looks for jobs to work (JOBS_POLL_MS). */
  pollMs: number;
  /**
   * The Worker's sweep (its Cron Trigger) starts a new chain of queue messages for a job
   * whose next step is this much overdue: its lease lapsed this long ago, or it was never
   * claimed this long after it was created (JOBS_OVERDUE_MS).
   */
  overdueMs: number;
  /** Whether this router works jobs at all (JOBS_WORKER); off: it only accepts and reports them. */
  worker: boolean;
  /** Deliveries of one webhook event before giving up (WEBHOOK_ATTEMPTS). */
  webhookAttempts: number;
  /** One delivery's limit (WEBHOOK_TIMEOUT_MS). */
  webhookTimeoutMs: number;
  /** First pause between deliveries, doubled each time (WEBHOOK_BACKOFF_MS). */
  webhookBackoffMs: number;
  /** Webhooks to loopback and private addresses (WEBHOOK_ALLOW_PRIVATE; tests set it). */
  webhookAllowPrivate: boolean;
}

export const DEFAULT_MAX_JOB_IMAGES = 1_000_000;

export function readJobsConfig(r: ConfigReader): JobsConfig {
  return {
    maxImages: r.int("JOBS_MAX_IMAGES", DEFAULT_MAX_JOB_IMAGES, 1, 100_000_000),
    retentionMs: r.int("JOBS_RETENTION_HOURS", 7 * 24, 1, 24 * 365 * 10) * 3_600_000,
    chunkSize: r.int("JOBS_CHUNK_SIZE", 64, 1, 1024),
    leaseMs: r.int("JOBS_LEASE_MS", 30_000, 1_000, 3_600_000),
    pollMs: r.int("JOBS_POLL_MS", 1_000, 10, 600_000),
    overdueMs: r.int("JOBS_OVERDUE_MS", 300_000, 1_000, 86_400_000),
    worker: r.bool("JOBS_WORKER", true),
    webhookAttempts: r.int("WEBHOOK_ATTEMPTS", 6, 1, 20),
    webhookTimeoutMs: r.int("WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
    webhookBackoffMs: r.int("WEBHOOK_BACKOFF_MS", 1_000, 1, 600_000),
    webhookAllowPrivate: r.bool("WEBHOOK_ALLOW_PRIVATE", false),
  };
}
