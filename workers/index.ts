// The Cloudflare Worker entry: the fetch handler over the bundled models, and the GpuPool
// Durable Object class that wrangler.toml binds as GPU_POOL (it must be exported here).

import type { Env } from "./env.js";
import { createWorker } from "./handler.js";
import { bundledModels } from "./models.generated.js";

export type { Env } from "./env.js";
export { GpuPool } from "./pool/gpu-pool-object.js";

export default createWorker(bundledModels) satisfies ExportedHandler<Env>;
