// Test projects: `unit` (pure functions and the app with in-memory fakes, plus the WASM
// sampler on the fixture model) and `integration` (real s3rver and router processes).
// `models` (ONNX parity, training smoke run); `browser` (the playground in Chromium);
// `worker` (vitest.workers.config.ts): the Worker entry inside workerd. Vitest schedules the
// projects itself (the browser tests ran fourth of five in one run): no project relies on order.

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/integration/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One router and one s3rver serve every integration file: run them in order.
          fileParallelism: false,
        },
      },
      {
        test: {
          // The trained models: ONNX/PyTorch parity, and the training pipeline's smoke run
          // (Debian python3-torch; minutes on 2 cores, hence the long timeout).
          name: "models",
          include: ["tests/models/**/*.test.ts"],
          environment: "node",
          testTimeout: 600_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["tests/browser/**/*.test.ts"],
          environment: "node",
          // Chromium compiles onnxruntime-web's 14-27 MB of WebAssembly on shared CPUs.
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // After the other projects: that compile would disturb their latency checks, and
          // they would disturb the page-load time measured here.
          sequence: { groupOrder: 1 },
        },
      },
      "vitest.workers.config.ts",
    ],
  },
});
