// Where a job lives in the object store. Every object is written once (the store's
// first-writer-wins put), so job state needs no overwrite and survives any router:
//   jobs/v1/{id}/spec.json            the accepted request (model.ts JobSpec)
//   jobs/v1/{id}/chunks/{k}.json      chunk k is done (cumulative progress, see records.ts)
//   jobs/v1/{id}/lease/{n}.json       the n-th claim on the job (lease.ts)
//   jobs/v1/{id}/cancel.json          DELETE asked to stop
//   jobs/v1/{id}/final.json           the terminal state
//   jobs/v1/{id}/webhooks/{event}.json  that event's webhook was delivered (or given up)
//   jobs/v1/{id}/manifest.jsonl, images.tar, images.npz   the results
//   jobs/v1/index/{n}.json            the n-th job ever created (routers find work here)
//   jobs/v1/owners/{owner digest}/{n}.json   the owner's n-th job (GET /v1/jobs)

export const JOBS_PREFIX = "jobs/v1";

export const jobKeys = (id: string) => ({
  spec: `${JOBS_PREFIX}/${id}/spec.json`,
  chunk: (k: number) => `${JOBS_PREFIX}/${id}/chunks/${k}.json`,
  lease: (n: number) => `${JOBS_PREFIX}/${id}/lease/${n}.json`,
  cancel: `${JOBS_PREFIX}/${id}/cancel.json`,
  final: `${JOBS_PREFIX}/${id}/final.json`,
  webhook: (event: string) => `${JOBS_PREFIX}/${id}/webhooks/${event}.json`,
  manifest: `${JOBS_PREFIX}/${id}/manifest.jsonl`,
  tar: `${JOBS_PREFIX}/${id}/images.tar`,
  npz: `${JOBS_PREFIX}/${id}/images.npz`,
});

export const indexKey = (n: number) => `${JOBS_PREFIX}/index/${n}.json`;
export const ownerKey = (ownerDigest: string, n: number) => `${JOBS_PREFIX}/owners/${ownerDigest}/${n}.json`;

/** Job ids: `job_` and 24 hex digits (96 random bits), safe in keys and URLs. */
export const JOB_ID = /^job_[0-9a-f]{24}$/;
