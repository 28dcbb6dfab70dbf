// `npm run bench:worker`: measures sampling inside workerd and prints it (figures for
// docs/worker.md): wall time of a computed GET (sampler + PNG + R2 put), and the sampler's
// own time per image from /metrics. Local workerd's clock runs during compute; production
// Workers' does not. Not part of `npm test` (vitest.workers.config.ts includes it only with
// WORKER_BENCH=1): it asserts nothing about time, only that each request was computed.

import { describe, expect, it } from "vitest";
import { bundledManifests, call, metric, postJson } from "./helpers.js";

describe.each(bundledManifests().map((m) => [m.id, m] as const))(
  "in-Worker time per sample (%s)",
  (model, manifest) => {
    /** A canonical URL (a redirect is not what we measure). */
    const url = (seed: number) => `/v1/samples/${model}@${manifest.version}/null/${seed}.png?guidance=1.00`;
    it("batch 1 and batch 8", async () => {
      await call(url(900000)); // session creation is not what we measure
      const seconds = `biflow_sampler_duration_seconds_sum{sampler="wasm",model="${model}"}`;
      const images = `biflow_sampler_images_total{sampler="wasm",model="${model}"}`;
      const [s0, i0] = [await metric(seconds), await metric(images)];
      const runs = 10;
      const started = performance.now();
      for (let k = 1; k <= runs; k++) {
        const response = await call(url(900000 + k));
        expect(response.headers.get("x-sample-source")).toBe("computed");
      }
      const requestMs = (performance.now() - started) / runs;
      const [s1, i1] = [await metric(seconds), await metric(images)];
      const batchStarted = performance.now();
      const batch = await postJson("/v1/samples", { model, n: 8, class: 0, seed: 910000 });
      expect(batch.status).toBe(200);
      const batchMs = (performance.now() - batchStarted) / 8;
      const [s2, i2] = [await metric(seconds), await metric(images)];
      console.log(
        `[worker timing] ${model}: computed GET ${requestMs.toFixed(1)} ms/request; sampler ${(
          ((s1 - s0) * 1000) /
          (i1 - i0)
        ).toFixed(1)} ms/image at batch 1, ${(((s2 - s1) * 1000) / (i2 - i1)).toFixed(1)} ms/image at batch 8; ` +
          `POST n=8 ${batchMs.toFixed(1)} ms/sample`,
      );
      expect(i1 - i0).toBe(runs);
      expect(i2 - i1).toBe(8);
    });
  },
);
