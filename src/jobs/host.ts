// How a runtime adds a job executor to the app: createApp hands the host its services, the
// job records and the rate limiters; the runtime then starts and stops the runner (Node)
// or drives chunks from a queue consumer (Workers).

import type { Limiters } from "../middleware/rate-limit/index.js";
import type { Services } from "../services.js";
import type { JobRecords } from "./records.js";
import { JobRunner, type Sleep } from "./runner.js";
import { bufferingUploads, type OpenUpload } from "./upload.js";

export interface JobsAttachment {
  attach(services: Services, records: JobRecords, limiters: Limiters): void;
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

export class JobsHost implements JobsAttachment {
  runner: JobRunner | undefined;

  constructor(private readonly options: JobsHostOptions) {}

  attach(services: Services, records: JobRecords, limiters: Limiters): void {
    const { config } = services;
    const { jobs } = config;
    this.runner = new JobRunner({
      records,
      samples: services.samples,
      registry: services.registry,
      config: jobs,
      clock: services.clock,
      logger: services.logger,
      ...(limiters.images === undefined ? {} : { images: limiters.images }),
      results: {
        store: services.store,
        openUpload: this.options.openUpload ?? bufferingUploads(services.store),
        handOut: (path) => services.access.handOut(path),
      },
      webhook: {
        fetch: this.options.fetch ?? fetch,
        attempts: jobs.webhookAttempts,
        backoffMs: jobs.webhookBackoffMs,
        timeoutMs: jobs.webhookTimeoutMs,
        allowPrivate: jobs.webhookAllowPrivate,
        ...(this.options.resolve === undefined ? {} : { resolve: this.options.resolve }),
      },
      holder: this.options.holder,
      ...(this.options.sleep === undefined ? {} : { sleep: this.options.sleep }),
    });
  }
}
