// `env` from cloudflare:workers carries the Worker's bindings (wrangler.toml), typed as
// workers/env.ts declares them.

import type { Env as WorkerEnv } from "../../workers/env.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- workers-types' documented way to type `env`
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the bindings into Cloudflare.Env
    interface Env extends WorkerEnv {}
  }
}
