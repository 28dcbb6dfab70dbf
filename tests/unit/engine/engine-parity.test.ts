// The Node inference engine on the trained model in models/: one dynamic batch mixing the
// Worker goldens' classes, guidances and seeds (tests/worker/golden/, written by the WASM
// sampler on onnxruntime-web) gives the goldens' pixels within 2/255 on onnxruntime-node.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceEngine } from "../../../engine/engine.js";
import { scanModelsDir } from "../../../engine/models-dir.js";
import { systemClock } from "../../../src/clock.js";
import { silentLogger } from "../../../src/logger.js";
import { resolveClass } from "../../../src/models/classes.js";
import type { ModelEntry } from "../../../src/models/registry.js";
import { decodePng } from "../../../src/png/decode.js";
import { ROOT } from "../../helpers/fixtures.js";
import type { GoldenCase } from "../../worker/golden-cases.js";

const GOLDEN = path.join(ROOT, "tests", "worker", "golden");
let engine: InferenceEngine;
let model: ModelEntry;
let goldens: GoldenCase[];

beforeAll(async () => {
  goldens = JSON.parse(await readFile(path.join(GOLDEN, "index.json"), "utf8")) as GoldenCase[];
  const { registry } = await scanModelsDir(path.join(ROOT, "models"), silentLogger);
  const found = registry.get(goldens[0]?.model ?? "");
  if (found === undefined) throw new Error("the goldens' model is not in models/");
  model = found;
  engine = new InferenceEngine({
    models: [
      {
        ref: model.ref,
        bytes: await model.loadFile("reverse"),
        image: model.manifest.image,
        nullClass: model.manifest.null_class,
      },
    ],
    workers: 1,
    intraOpThreads: 1,
    providers: ["cpu"],
    maxBatch: 64,
    // Long enough that the four submissions below share one batch.
    maxDelayMs: 50,
    maxQueue: 64,
    retryAfterSeconds: 1,
    logger: silentLogger,
    clock: systemClock,
  });
  await engine.start();
}, 60_000);
afterAll(() => engine.close());

describe("InferenceEngine (onnxruntime-node in a worker thread)", () => {
  it("matches the Worker goldens within 2/255, with classes and guidance mixed in one batch", async () => {
    const cases = goldens.filter((g) => g.model === model.manifest.id);
    expect(cases.length).toBeGreaterThanOrEqual(4);
    const results = await Promise.all(
      cases.map((g) =>
        engine.submit({
          ref: model.ref,
          seeds: [g.seed],
          classInput:
            resolveClass(model.manifest, g.class === "null" ? undefined : g.class) ?? model.manifest.null_class,
          guidance: Number(g.guidance),
          timeoutMs: 30_000,
        }),
      ),
    );
    expect(results.map((r) => r.batchSizes)).toEqual(cases.map(() => [cases.length]));
    for (const [i, g] of cases.entries()) {
      const mine = await decodePng(results[i]?.pngs[0] ?? new Uint8Array());
      const golden = await decodePng(new Uint8Array(await readFile(path.join(GOLDEN, g.file))));
      let maxDiff = 0;
      golden.pixels.forEach((p, k) => (maxDiff = Math.max(maxDiff, Math.abs(p - (mine.pixels[k] ?? -999)))));
      expect(maxDiff, g.file).toBeLessThanOrEqual(2);
    }
  });
});
