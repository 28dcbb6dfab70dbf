// What vitest.workers.config.ts provides to the Worker tests (read with inject()).

import type { ProvidedGolden } from "./golden-cases.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** tests/worker/golden/: PNGs from the Node WASM sampler (npm run worker:golden). */
    workerGoldens: ProvidedGolden[];
  }
}
