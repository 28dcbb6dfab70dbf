// Global setup of the `worker` project (runs in Node, before workerd starts the tests): the
// real processes the Worker's GPU pool talks to over loopback: two GPU backends (serving
// tiny-biflow and the GPU-only tiny-gpu, writing to an s3rver bucket when asked), a Node
// router over the same fixtures to compare images with, and a small control server that
// lets a test stop a backend, read an object from s3rver and record its figures in
// artifacts/reliability.json (workerd cannot write files).

import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { BACKEND_SECRET, startBackend } from "../helpers/backend.js";
import { FIXTURE_MODELS_DIR, ROOT } from "../helpers/fixtures.js";
import { startRouter, startS3rver, type Running } from "../helpers/processes.js";
import { recordFigures } from "../helpers/reliability.js";
import { objectBytes, testS3Client } from "../helpers/s3.js";
import { BUCKET, S3RVER_CREDENTIALS, routerEnv } from "../integration/global-setup.js";
// The ProvidedContext augmentation that types `provide` below.
import type {} from "../worker/provided-context.js";

export const GPU_FIXTURE_MODELS_DIR = path.join(ROOT, "tests/fixtures/gpu-models");

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const temp = await mkdtemp(path.join(tmpdir(), "biflow-worker-pool-"));
  const modelsDir = path.join(temp, "models");
  await cp(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"), path.join(modelsDir, "tiny-biflow"), { recursive: true });
  await cp(path.join(GPU_FIXTURE_MODELS_DIR, "tiny-gpu"), path.join(modelsDir, "tiny-gpu"), { recursive: true });
  const running: Running[] = [];
  const s3 = await startS3rver(path.join(temp, "s3"), BUCKET);
  running.push(s3);
  const s3Client = testS3Client(s3.endpoint, S3RVER_CREDENTIALS);
  const s3Env = routerEnv(s3.endpoint);
  const [backends, router] = await Promise.all([
    Promise.all([0, 1].map(() => startBackend({ ...s3Env, MODELS_DIR: modelsDir, MAX_DELAY_MS: "5" }))),
    startRouter({ MODELS_DIR: FIXTURE_MODELS_DIR, DATA_DIR: path.join(temp, "data"), CACHE_MAX_BYTES: "0" }),
  ]);
  running.push(...backends, router);

  const control = createServer((req, res) => {
    // One request per connection: workerd pools outbound connections, and a test that calls
    // back after minutes of work (the fuzz suite) would otherwise send on a socket this
    // server already closed as idle (keepAliveTimeout) and get "Network connection lost".
    res.setHeader("connection", "close");
    void (async () => {
      const stop = /^\/backends\/(\d+)\/stop$/.exec(req.url ?? "");
      const figures = /^\/figures\/([a-z_]+)$/.exec(req.url ?? "");
      const backend = stop === null ? undefined : backends[Number(stop[1])];
      if (req.method === "POST" && backend !== undefined) {
        await backend.stop("SIGKILL");
        res.writeHead(204).end();
      } else if (req.method === "POST" && figures?.[1] !== undefined) {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        await recordFigures(figures[1], JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>);
        res.writeHead(204).end();
      } else if (req.method === "GET" && req.url?.startsWith("/s3/") === true) {
        const key = decodeURIComponent(req.url.slice("/s3/".length));
        const found = await objectBytes(s3Client, BUCKET, key).catch(() => undefined);
        if (found === undefined) res.writeHead(404).end();
        else res.writeHead(200, { "content-type": found.contentType }).end(found.bytes);
      } else {
        res.writeHead(404).end();
      }
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  const controlUrl = await listen(control);

  project.provide(
    "poolBackends",
    backends.map((b) => b.url),
  );
  project.provide("poolSecret", BACKEND_SECRET);
  project.provide("poolControl", controlUrl);
  project.provide("nodeRouter", router.url);
  return async () => {
    control.close();
    await Promise.all(running.map((p) => p.stop("SIGKILL")));
    await rm(temp, { recursive: true, force: true });
  };
}
