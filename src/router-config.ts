// The settings every edge router reads, Node and Worker alike: the core, the GPU backend
// pool and the routing policy, from one ConfigReader so one start names every bad variable.

import { readConfig, type Config } from "./config.js";
import type { ConfigReader } from "./config/reader.js";
import { readPoolConfig, readRoutingConfig, type PoolConfig, type RoutingConfig } from "./pool/config.js";

export interface RouterConfig {
  core: Config;
  /** The GPU backend pool; undefined without GPU_BACKEND_URLS. */
  pool: PoolConfig | undefined;
  routing: RoutingConfig;
}

export function readRouterConfig(r: ConfigReader): RouterConfig {
  const core = readConfig(r);
  return { core, pool: readPoolConfig(r, core.gpuBackendUrls), routing: readRoutingConfig(r) };
}
