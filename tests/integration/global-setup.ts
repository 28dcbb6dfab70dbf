// Starts the real processes the integration tests talk to: s3rver on a free loopback port
// with a fresh bucket in a temp dir, and the router (node/main.ts) with S3_ENDPOINT on it.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";
import { startRouter, startS3rver } from "../helpers/processes.js";

export const BUCKET = "biflow-samples";
/** s3rver's fixed development credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

declare module "vitest" {
  export interface ProvidedContext {
    routerUrl: string;
    s3Endpoint: string;
    bucket: string;
  }
}

/** The environment of a router that stores in the test s3rver. */
export function routerEnv(s3Endpoint: string): NodeJS.ProcessEnv {
  return {
    MODELS_DIR: FIXTURE_MODELS_DIR,
    S3_ENDPOINT: s3Endpoint,
    S3_BUCKET: BUCKET,
    S3_REGION: "us-east-1",
    S3_FORCE_PATH_STYLE: "true",
    S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-s3rver-"));
  const s3 = await startS3rver(dir, BUCKET);
  let router;
  try {
    router = await startRouter(routerEnv(s3.endpoint));
  } catch (err) {
    await s3.stop();
    throw err;
  }
  project.provide("routerUrl", router.url);
  project.provide("s3Endpoint", s3.endpoint);
  project.provide("bucket", BUCKET);
  return async () => {
    const code = await router.stop("SIGTERM");
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`router exited with ${String(code)} on SIGTERM:\n${router.output()}`);
  };
}
