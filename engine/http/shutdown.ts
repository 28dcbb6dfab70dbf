// Graceful shutdown for the Node entries (router and GPU backend): on SIGTERM or SIGINT,
// refuse new connections, let in-flight requests finish, exit anyway after a grace period.

import type { ServerType } from "@hono/node-server";
import type { Logger } from "../../src/logger.js";

export interface ShutdownOptions {
  logger: Logger;
  graceMs: number;
  /** Runs once when the first signal arrives (e.g. stop background timers). */
  onSignal?: () => void;
  /** Runs after the server has closed, before exiting (e.g. stop worker threads). */
  afterClose?: () => Promise<void>;
}

export function exitOnSignals(server: ServerType, options: ShutdownOptions): void {
  const { logger, graceMs } = options;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    options.onSignal?.();
    logger.info("shutting down", { signal });
    const force = setTimeout(() => {
      logger.warn("grace period over, exiting with requests in flight", { graceMs });
      process.exit(1);
    }, graceMs);
    force.unref();
    server.close((err) => {
      if (err) logger.error("server close failed", { error: err });
      const after = options.afterClose?.() ?? Promise.resolve();
      after.then(
        () => process.exit(err ? 1 : 0),
        (closeErr: unknown) => {
          logger.error("shutdown failed", { error: closeErr });
          process.exit(1);
        },
      );
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
