// What vitest.workers.config.ts provides to the Worker tests (read with inject()).

import type { ProvidedGolden } from "./golden-cases.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** tests/worker/golden/: PNGs from the Node WASM sampler (npm run worker:golden). */
    workerGoldens: ProvidedGolden[];
    /** GPU backend base URLs for the Worker's pool (tests/worker-setup/pool-processes.ts). */
    poolBackends: string[];
    /** The shared secret those backends accept. */
    poolSecret: string;
    /**
     * POST /backends/{i}/stop kills backend i; GET /s3/{key} reads the s3rver bucket;
     * POST /figures/{suite} (a JSON object) records a suite's figures in artifacts/reliability.json.
     */
    poolControl: string;
    /** The fuzz suite's PNGs (base64): a valid 28x28 greyscale one and tests/helpers/hostile-png.ts's. */
    fuzzPngs: { good: string; hostile: string[] };
    /** A Node router (`npm start`) over tests/fixtures/models, without a pool. */
    nodeRouter: string;
  }
}
