// The Node entry (`npm start`): reads the environment, warms the models up, serves the
// router on PORT (default 8787) and shuts down gracefully on SIGTERM or SIGINT.

import type { AddressInfo } from "node:net";
import { systemClock } from "../src/clock.js";
import { serveHttp } from "../engine/http/serve.js";
import { ConfigError } from "../src/config/reader.js";
import { createJsonLogger } from "../src/logger.js";
import { stdoutLineWriter } from "../engine/log-writer.js";
import { parseNodeConfig } from "./config.js";
import { createNodeApp } from "./server.js";
import { exitOnSignals } from "../engine/http/shutdown.js";

async function main(): Promise<void> {
  let config;
  try {
    config = parseNodeConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createJsonLogger({
    level: config.core.logLevel,
    clock: systemClock,
    write: stdoutLineWriter().write,
  });
  const node = await createNodeApp(config, logger);
  const started = performance.now();
  try {
    await node.warmUp();
    logger.info("models warmed up", { ms: Math.round(performance.now() - started) });
  } catch (err) {
    // Keep serving: /health/ready reports the sampler as failed and requests get 5xx JSON.
    logger.error("warm-up failed", { error: err });
  }
  if (node.pool !== undefined) {
    // The first round of health checks runs before listening, so GPU models route at once.
    await node.pool.start();
    // Metrics and health name backends by index only; this line maps them to hosts.
    logger.info("gpu backend pool", {
      detail: (await node.pool.health()).detail,
      backends: node.pool.backends.map((b) => b.host),
    });
  }

  const options = {
    fetch: node.app.fetch,
    port: config.port,
    host: config.host,
    timeouts: config.http,
    answersFromMemory: node.answersFromMemory,
    ...(node.answerHeld === undefined ? {} : { answerHeld: node.answerHeld }),
  };
  const server = serveHttp(options, (info: AddressInfo) => {
    const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
    logger.info("listening", { url: `http://${host}:${info.port}`, port: info.port, store: node.store.name });
  });

  // Jobs found in the store (unfinished ones too, after a restart) are worked from now on.
  const runner = config.core.jobs.worker ? node.jobs.runner : undefined;
  runner?.start();

  // Finish in-flight requests, refuse new ones; exit anyway after the grace period.
  exitOnSignals(server, {
    logger,
    graceMs: config.shutdownGraceMs,
    onSignal: () => node.pool?.stop(),
    afterClose: async () => {
      // The chunk in flight finishes (and is recorded) before the engine stops.
      await runner?.stop();
      await node.engine.close();
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
