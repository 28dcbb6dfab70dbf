// The Worker's GPU pool: the core's SnapshotPool over the GpuPool Durable Object, one object
// per backend URL list, so every isolate of this deployment shares one health owner.

import type { Clock } from "../../src/clock.js";
import type { Logger } from "../../src/logger.js";
import type { Registry } from "../../src/metrics.js";
import type { PoolConfig, SnapshotConfig } from "../../src/pool/config.js";
import { SnapshotPool } from "../../src/pool/snapshot-pool.js";
import type { Env } from "../env.js";

export interface EdgePoolOptions {
  config: PoolConfig;
  snapshot: SnapshotConfig;
  deadlineMs: number;
  registry: Registry;
  clock: Clock;
  logger: Logger;
}

export function createEdgePool(env: Env, options: EdgePoolOptions): SnapshotPool {
  const name = options.config.urls.join(",");
  return new SnapshotPool({
    ...options,
    // A stub per call: stubs are I/O objects of the request that made them.
    sync: (settings, report) => env.GPU_POOL.get(env.GPU_POOL.idFromName(name)).sync(settings, report),
  });
}
