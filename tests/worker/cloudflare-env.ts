// `env` from cloudflare:workers carries the Worker's bindings (wrangler.toml), typed as
// workers/env.ts declares them, plus the test-only MODEL_FILES (vitest.workers.config.ts).

import type { Env as WorkerEnv } from "../../workers/env.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- workers-types' documented way to type `env`
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** models/ served read-only from disk, to seed MODELS as `npm run worker:upload-models` does. */
      MODEL_FILES: Fetcher;
    }
  }
}
