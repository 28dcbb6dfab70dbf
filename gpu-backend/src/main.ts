// The GPU backend entry (`npm run backend`): verifies the models, starts the inference
// workers (logging the execution provider each model really got), serves the signed
// contract on PORT and shuts down gracefully on SIGTERM or SIGINT.

import type { AddressInfo } from "node:net";
import { serveHttp } from "../../engine/http/serve.js";
import { systemClock } from "../../src/clock.js";
import { exitOnSignals } from "../../engine/http/shutdown.js";
import { ConfigError } from "../../src/config/reader.js";
import { ReplayGuard } from "../../src/contract/replay.js";
import { importSigningKey } from "../../src/contract/signing.js";
import { createJsonLogger, type Logger } from "../../src/logger.js";
import { stdoutLineWriter } from "../../engine/log-writer.js";
import { resilientStore } from "../../src/storage/resilient.js";
import { S3ObjectStore } from "../../src/storage/s3.js";
import { InferenceEngine } from "../../engine/engine.js";
import { registerProcessMetrics } from "../../engine/process-metrics.js";
import { parseBackendConfig, type BackendConfig } from "./config.js";
import { createBackendApp } from "./http/app.js";
import { loadServedModels, type ServedModel } from "./models.js";
import type { ReadyMessage } from "../../engine/onnx/protocol.js";
import { logPriority } from "../../engine/onnx/thread-priority.js";
import { workerModel } from "../../engine/onnx/worker-model.js";
import type { SamplerKind } from "../../src/flow/samplers.js";
import { BackendTelemetry } from "./telemetry.js";
import { MAX_SEEDS } from "../../src/contract/backend-v1.js";
import { wireNoiseLength } from "../../src/contract/noise-wire.js";

/** Signed requests are small JSON: 64 seeds and a few fields... */
const MAX_FIELDS_BYTES = 64 * 1024;

/** ...and, in contract 3, the noise of up to MAX_SEEDS images of the largest model served. */
function maxBodyBytes(served: ReadonlyMap<string, ServedModel>): number {
  const sizes = [...served.values()].map(({ entry }) => {
    const { channels, height, width } = entry.manifest.image;
    return channels * height * width;
  });
  return MAX_FIELDS_BYTES + wireNoiseLength(MAX_SEEDS * Math.max(0, ...sizes));
}

function readConfig(): BackendConfig {
  try {
    return parseBackendConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Logs what each worker session runs on and keeps the models that have a session. */
function servedFrom(
  models: readonly ServedModel[],
  report: ReadyMessage,
  config: BackendConfig,
  telemetry: BackendTelemetry,
  logger: Logger,
): { served: Map<string, ServedModel>; providers: Map<string, string>; samplers: Map<string, SamplerKind[]> } {
  const served = new Map<string, ServedModel>();
  const providers = new Map<string, string>();
  const samplers = new Map<string, SamplerKind[]>();
  for (const failed of report.failed) {
    logger.error("model refused: no execution provider could run it", { model: failed.ref, error: failed.error });
  }
  for (const session of report.sessions) {
    const model = models.find((m) => m.entry.ref === session.ref);
    if (model === undefined) continue;
    session.fallbacks.forEach((fb, i) => {
      const next = session.fallbacks[i + 1]?.provider ?? session.provider;
      logger.warn("execution provider unavailable, falling back", {
        model: session.ref,
        unavailable: fb.provider,
        fallback: next,
        error: fb.error,
      });
    });
    if (session.provider !== config.providers[0]) {
      logger.warn("model is not running on the preferred execution provider", {
        model: session.ref,
        preferred: config.providers[0],
        provider: session.provider,
      });
    }
    logger.info("session ready", {
      model: session.ref,
      provider: session.provider,
      nodes: session.nodes,
      samplers: session.samplers,
    });
    samplers.set(session.ref, session.samplers);
    telemetry.provider.set({ model: model.entry.manifest.id, provider: session.provider }, 1);
    served.set(model.entry.manifest.id, model);
    providers.set(session.ref, session.provider);
  }
  return { served, providers, samplers };
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createJsonLogger({
    level: config.logLevel,
    clock: systemClock,
    write: stdoutLineWriter().write,
  });
  const { models, refused } = await loadServedModels(config.modelsDir, logger);
  logger.info("models verified", {
    dir: config.modelsDir,
    models: models.map((m) => m.entry.ref),
    refused: refused.map((r) => r.model),
  });
  const telemetry = new BackendTelemetry();
  registerProcessMetrics(telemetry.registry);
  const engine = new InferenceEngine({
    workers: config.workers,
    models: await Promise.all(models.map((m) => workerModel(m.entry))),
    providers: config.providers,
    intraOpThreads: config.intraOpThreads,
    niceness: config.niceness,
    maxBatch: config.maxBatch,
    maxDelayMs: config.maxDelayMs,
    maxQueue: config.maxQueue,
    retryAfterSeconds: config.retryAfterSeconds,
    logger,
    clock: systemClock,
    events: {
      depth: (images) => telemetry.queueDepth.set({}, images),
      batch: (ref, size) => telemetry.batchSize.observe({ model: ref.split("@")[0] ?? ref }, size),
      dropped: (images) => telemetry.dropped.inc({}, images),
    },
  });
  const report = await engine.start();
  logPriority(logger, config.niceness, report.priority);
  const { served, providers, samplers } = servedFrom(models, report, config, telemetry, logger);
  const app = createBackendApp({
    models: served,
    providers,
    samplers,
    batcher: engine.batcher,
    store:
      config.s3 === undefined
        ? undefined
        : resilientStore(
            new S3ObjectStore({ ...config.s3, requestTimeoutMs: config.store.attemptTimeoutMs }),
            config.store,
            () => systemClock.monotonic(),
          ),
    telemetry,
    clock: systemClock,
    logger,
    auth: { key: await importSigningKey(config.secret), replay: new ReplayGuard(), maxBodyBytes: maxBodyBytes(served) },
    ready: () => engine.ready(),
  });

  const options = { fetch: app.fetch, port: config.port, host: config.host, timeouts: config.http };
  const server = serveHttp(options, (info: AddressInfo) => {
    const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
    logger.info("listening", {
      url: `http://${host}:${info.port}`,
      port: info.port,
      workers: config.workers,
      intraOpThreads: config.intraOpThreads,
      maxBatch: config.maxBatch,
      maxDelayMs: config.maxDelayMs,
      store: config.s3 === undefined ? "none" : "s3",
    });
  });

  // In-flight batches finish (their requests are still open), then the workers stop.
  exitOnSignals(server, { logger, graceMs: config.shutdownGraceMs, afterClose: () => engine.close() });
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
