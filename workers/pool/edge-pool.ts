// The Worker's GPU pool: the core's SnapshotPool over the GpuPool Durable Object, one object
// per backend URL list and secret, so every isolate of a deployment shares one health owner.

import { sha256Hex } from "../../src/bytes.js";
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

/**
 * The object's name: the URL list and a fingerprint of the secret (never the secret), so
 * isolates on an old and a new secret during a rotation each get an owner that probes
 * with theirs.
 */
export async function poolObjectName(config: PoolConfig): Promise<string> {
  const fingerprint = (await sha256Hex(new TextEncoder().encode(config.secret))).slice(0, 16);
  return `${config.urls.join(",")}#${fingerprint}`;
}

export function createEdgePool(env: Env, options: EdgePoolOptions): SnapshotPool {
  const name = poolObjectName(options.config);
  return new SnapshotPool({
    ...options,
    // A stub per call: stubs are I/O objects of the request that made them.
    sync: async (settings, report) => env.GPU_POOL.get(env.GPU_POOL.idFromName(await name)).sync(settings, report),
  });
}
