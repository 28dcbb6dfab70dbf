// The Node router's job executor: results streamed to S3 (multipart) or to the local store
// (an appended file), webhooks refused when the host resolves to a private address, and
// a lease holder name unique to this process.

import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import path from "node:path";
import { JobsHost } from "../../src/jobs/host.js";
import { s3Uploads } from "../../src/jobs/s3-upload.js";
import { createS3Client } from "../../src/storage/s3.js";
import type { NodeConfig } from "../config.js";
import { FsObjectStore } from "../fs-object-store.js";
import { fsUploads } from "./fs-upload.js";

async function resolveHost(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    // Unresolvable: the delivery itself fails and is retried.
    return [];
  }
}

export function createNodeJobs(config: NodeConfig): JobsHost {
  const { s3 } = config.core;
  const openUpload =
    s3 !== undefined
      ? s3Uploads(createS3Client(s3), s3.bucket)
      : fsUploads(new FsObjectStore(path.join(config.dataDir, "objects")));
  return new JobsHost({
    holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    openUpload,
    resolve: resolveHost,
  });
}
