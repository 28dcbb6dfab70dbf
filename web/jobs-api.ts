// The batch-jobs calls the Batch tab makes: POST /v1/jobs to start one and GET
// /v1/jobs/{id} for its status; errors carry the service's message.

import { JOB_STATES } from "../src/jobs/model.js";
import type { JobStatus as ServiceJobStatus } from "../src/jobs/status.js";

/** The fields of a job's status the tab shows (the service's own type; docs/jobs.md). */
export type JobStatus = Pick<
  ServiceJobStatus,
  | "id"
  | "state"
  | "images_total"
  | "images_done"
  | "images_computed"
  | "images_per_second"
  | "eta_seconds"
  | "pace"
  | "message"
  | "manifest_url"
  | "archive_url"
>;

export interface JobRequest {
  model: string;
  classes: "all" | (number | null)[];
  count: number;
  seed: number;
  outputs: "tar"[];
}

export const TERMINAL_STATES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

const STATES: ReadonlySet<string> = new Set(JOB_STATES);

const nullableNumber = (v: unknown) => v === null || typeof v === "number";
const nullableString = (v: unknown) => v === null || typeof v === "string";

function isJobStatus(value: unknown): value is JobStatus {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === "string" &&
    typeof v.state === "string" &&
    STATES.has(v.state) &&
    typeof v.images_total === "number" &&
    typeof v.images_done === "number" &&
    typeof v.images_computed === "number" &&
    nullableNumber(v.images_per_second) &&
    nullableNumber(v.eta_seconds) &&
    (v.pace === null || (typeof v.pace === "object" && v.pace !== undefined)) &&
    nullableString(v.message) &&
    nullableString(v.manifest_url) &&
    nullableString(v.archive_url)
  );
}

async function readStatus(res: Response, what: string): Promise<JobStatus> {
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (body as { error?: { message?: unknown } } | undefined)?.error;
    throw new Error(typeof error?.message === "string" ? error.message : `HTTP ${res.status}`);
  }
  if (!isJobStatus(body)) throw new Error(`${what} answered without a job status`);
  return body;
}

export async function startJob(request: JobRequest): Promise<JobStatus> {
  const res = await fetch("/v1/jobs", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(request),
  });
  return readStatus(res, "POST /v1/jobs");
}

export async function jobStatus(id: string): Promise<JobStatus> {
  return readStatus(await fetch(`/v1/jobs/${encodeURIComponent(id)}`), "GET /v1/jobs/{id}");
}
