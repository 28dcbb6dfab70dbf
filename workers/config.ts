// The settings the Worker reads from its string vars and secrets: those of every router
// (src/router-config.ts) and how an isolate reads the pool's health from the GpuPool object.

import type { ConfigReader } from "../src/config/reader.js";
import { readSnapshotConfig, type SnapshotConfig } from "../src/pool/config.js";
import { readRouterConfig, type RouterConfig } from "../src/router-config.js";

export interface WorkerConfig extends RouterConfig {
  snapshot: SnapshotConfig;
}

/** Every setting the Worker reads, problems left in the reader (createEdgeApp finishes it). */
export function readWorkerConfig(reader: ConfigReader): WorkerConfig {
  return { ...readRouterConfig(reader), snapshot: readSnapshotConfig(reader) };
}
