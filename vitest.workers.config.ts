// The `worker` test project: tests/worker/ run INSIDE workerd (@cloudflare/vitest-pool-workers)
// against the real Worker entry, with the bindings of wrangler.toml (R2 buckets simulated by
// miniflare, Cache API, vars). Golden PNGs from the Node sampler are provided to the tests.

import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { writeModelsModule } from "./scripts/worker-models.js";
import { greyPng, hostilePngs } from "./tests/helpers/hostile-png.js";
import type { GoldenCase, ProvidedGolden } from "./tests/worker/golden-cases.js";
// The ProvidedContext augmentation that types `provide` below.
import type {} from "./tests/worker/provided-context.js";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN_DIR = path.join(ROOT, "tests", "worker", "golden");

/** The golden PNGs written by `npm run worker:golden`, for the determinism test. */
async function readGoldens(): Promise<ProvidedGolden[]> {
  const index = JSON.parse(await readFile(path.join(GOLDEN_DIR, "index.json"), "utf8")) as GoldenCase[];
  return Promise.all(
    index.map(async (c) => ({
      ...c,
      png: (await readFile(path.join(GOLDEN_DIR, c.file))).toString("base64"),
      inpaintingPng:
        c.inpainting === null ? null : (await readFile(path.join(GOLDEN_DIR, c.inpainting.file))).toString("base64"),
    })),
  );
}

/** The fuzz suite's PNGs for the shipped 28x28 greyscale model, built with node:zlib (not in workerd). */
function fuzzPngs(): { good: string; hostile: string[] } {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return { good: base64(greyPng(28, 28, 90)), hostile: Object.values(hostilePngs()).map(base64) };
}

export default defineProject(async () => {
  // The Worker imports the bundled-model list; tests see exactly what wrangler deploys.
  await writeModelsModule(path.join(ROOT, "models"));
  // The GPU pool tests' Worker also knows the fixture models, listed by the same script: the
  // GPU-only tiny-gpu comes out manifest only, never bundled.
  const fixtures = path.join(ROOT, "tests", "worker", "pool");
  await writeModelsModule(
    path.join(ROOT, "tests/fixtures/models"),
    undefined,
    path.join(fixtures, "edge-fixtures.generated.ts"),
  );
  await writeModelsModule(
    path.join(ROOT, "tests/fixtures/gpu-models"),
    undefined,
    path.join(fixtures, "gpu-fixtures.generated.ts"),
  );
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // models/ read-only, so tests/worker/setup-models.ts can fill the MODELS bucket.
        miniflare: { serviceBindings: { MODEL_FILES: { disk: { path: path.join(ROOT, "models"), writable: false } } } },
      }),
    ],
    test: {
      name: "worker",
      // `npm run bench:worker` (WORKER_BENCH=1) runs the in-Worker timing instead: a figure,
      // not a test, so no run of `npm test` depends on how busy the machine is.
      include: process.env.WORKER_BENCH === "1" ? ["tests/worker/timing.bench.ts"] : ["tests/worker/**/*.test.ts"],
      setupFiles: ["tests/worker/setup-models.ts"],
      // Real GPU backends, s3rver, a Node router and a control server on loopback (in Node).
      globalSetup: ["tests/worker-setup/pool-processes.ts"],
      provide: { workerGoldens: await readGoldens(), fuzzPngs: fuzzPngs() },
      // One runner for every worker test file: the pool ships the 14 MB ORT module to workerd
      // as JSON (10-25 s here), and that should happen once, not once per file.
      isolate: false,
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  };
});
