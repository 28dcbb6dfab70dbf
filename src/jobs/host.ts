// How a runtime adds a job executor to the app: createApp hands the host its services, the
// job records and the rate limiters; the runtime then starts and stops the runner (Node)
// or steps jobs from its queue consumer (Workers, queue.ts).

import type { Limiters } from "../middleware/rate-limit/index.js";
import type { Services } from "../services.js";
import type { JobSpec } from "./model.js";
import type { JobRecords } from "./records.js";
import { JobRunner } from "./runner.js";
import type { Sleep, StepperDeps } from "./stepper.js";
import { bufferingUploads, type OpenUpload } from "./upload.js";

export interface JobsAttachment {
  attach(services: Services, records: JobRecords, limiters: Limiters): void;
  /** Called once a new job is stored (POST /v1/jobs): a queue-driven host enqueues its first step. */
  created?(spec: JobSpec): Promise<void>;
}

export interface JobsHostOptions {
  /** This router's name in leases (unique per process). */
  holder: string;
  /** Streaming writes to the store (S3 multipart, a file); absent: buffered (tests only). */
  openUpload?: OpenUpload;
  fetch?: typeof fetch;
  /** Addresses of a host name, to refuse webhooks that resolve to private ones (Node). */
  resolve?: (host: string) => Promise<string[]>;
  sleep?: Sleep;
}

/** What every executor steps jobs with, from the app's services (runner and queue consumer alike). */
export function stepperDeps(
  services: Services,
  records: JobRecords,
  limiters: Limiters,
  options: Omit<JobsHostOptions, "holder">,
): StepperDeps {
  const { jobs } = services.config;
  return {
    records,
    samples: services.samples,
    registry: services.registry,
    config: jobs,
    clock: services.clock,
    logger: services.logger,
    ...(limiters.images === undefined ? {} : { images: limiters.images }),
    results: {
      store: services.store,
      openUpload: options.openUpload ?? bufferingUploads(services.store),
      handOut: (path) => services.access.handOut(path),
    },
    webhook: {
      // Called bare, not as a method: workerd refuses fetch with another `this`.
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      attempts: jobs.webhookAttempts,
      backoffMs: jobs.webhookBackoffMs,
      timeoutMs: jobs.webhookTimeoutMs,
      allowPrivate: jobs.webhookAllowPrivate,
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    },
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  };
}

export class JobsHost implements JobsAttachment {
  runner: JobRunner | undefined;

  constructor(private readonly options: JobsHostOptions) {}

  attach(services: Services, records: JobRecords, limiters: Limiters): void {
    this.runner = new JobRunner({
      ...stepperDeps(services, records, limiters, this.options),
      holder: this.options.holder,
    });
  }
}
