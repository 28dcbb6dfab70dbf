// GET /v1/jobs/{id}'s answer, derived from the stored records alone (any router can give
// it): state, progress, throughput and ETA, errors so far, pace, and the result URLs.

import type { JobSpec, JobState } from "./model.js";
import type { ChunkRecord, JobRecords } from "./records.js";

export interface JobStatus {
  id: string;
  object: "job";
  url: string;
  state: JobState;
  model: string;
  version: string;
  sampler: string;
  guidance: number;
  classes: (number | null)[];
  count?: number;
  seed?: number;
  seeds?: { from: number; to: number };
  images_total: number;
  images_done: number;
  /** Images this job computed rather than found stored; counted across restarts. */
  images_computed: number;
  images_per_second: number | null;
  eta_seconds: number | null;
  /** Set while the owner's image budget (RATE_LIMIT_IMAGES_PER_MINUTE) paces the job. */
  pace: { images_per_minute: number | null } | null;
  errors: { count: number; recent: string[] };
  message: string | null;
  created_at: string;
  finished_at: string | null;
  expires_at: string;
  manifest_url: string | null;
  archive_url: string | null;
  npz_url: string | null;
  webhook_url: string | null;
}

/** A chunk record older than this no longer describes a live worker's throughput. */
const STALE_MS = 60_000;

export function jobUrl(origin: string, id: string): string {
  return `${origin}/v1/jobs/${id}`;
}

export async function jobStatus(records: JobRecords, spec: JobSpec, origin: string, now: number): Promise<JobStatus> {
  const [final, cancel] = await Promise.all([records.final(spec.id), records.cancel(spec.id)]);
  const last: ChunkRecord | undefined = final === undefined ? await records.lastChunk(spec.id) : undefined;
  const lease =
    final === undefined && last === undefined && cancel === undefined ? await records.lease(spec.id) : undefined;
  let state: JobState = "queued";
  if (final !== undefined) state = final.state;
  else if (cancel !== undefined) state = "cancelled";
  else if (last !== undefined || lease !== undefined) state = "running";

  const done = final?.imagesDone ?? last?.imagesDone ?? 0;
  let rate: number | null = null;
  if (final !== undefined) {
    const seconds = (final.finishedAt - spec.createdAt) / 1000;
    rate = seconds > 0 ? done / seconds : null;
  } else if (last !== undefined && now - last.at < STALE_MS) {
    rate = last.rate;
  }
  const remaining = spec.imagesTotal - done;
  const eta = state === "running" && rate !== null && rate > 0 ? Math.ceil(remaining / rate) : null;
  const base = jobUrl(origin, spec.id);
  const succeeded = final?.state === "succeeded";
  return {
    id: spec.id,
    object: "job",
    url: base,
    state,
    model: spec.model,
    version: spec.version,
    sampler: spec.sampler.kind,
    guidance: spec.guidance,
    classes: spec.classes,
    ...(spec.seeds.kind === "count"
      ? { count: spec.seeds.count, seed: spec.seeds.seed }
      : { seeds: { from: spec.seeds.from, to: spec.seeds.to } }),
    images_total: spec.imagesTotal,
    images_done: done,
    images_computed: final?.imagesComputed ?? last?.imagesComputed ?? 0,
    images_per_second: rate === null ? null : Math.round(rate * 10) / 10,
    eta_seconds: eta,
    pace: last?.paced == null ? null : { images_per_minute: last.paced.perMinute },
    errors: { count: final?.errors ?? last?.errors ?? 0, recent: final?.recentErrors ?? last?.recentErrors ?? [] },
    message: final?.message ?? null,
    created_at: new Date(spec.createdAt).toISOString(),
    finished_at: final === undefined ? null : new Date(final.finishedAt).toISOString(),
    expires_at: new Date(spec.expiresAt).toISOString(),
    manifest_url: succeeded && final.outputs.manifest ? `${base}/manifest` : null,
    archive_url: succeeded && final.outputs.tar ? `${base}/archive.tar` : null,
    npz_url: succeeded && final.outputs.npz ? `${base}/images.npz` : null,
    webhook_url: spec.webhook?.url ?? null,
  };
}
