// Which runtime the router's inference engine should run (issue 10): reverse.onnx of a
// model on onnxruntime-web WASM (one thread, as the router ran it) against onnxruntime-node
// CPU with one intra-op thread, same inputs, median ms per batch at a few batch sizes.
// Usage: node --import tsx scripts/bench/engine-runtime.ts [modelId] (default fmnist-biflow-s)

import path from "node:path";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { createSession, floatTensor, int64Tensor, runForFloat } from "../../engine/onnx/session.js";
import { scanModelsDir } from "../../engine/models-dir.js";
import { PROJECT_ROOT } from "../../engine/project-root.js";
import { silentLogger } from "../../src/logger.js";
import { reverseInputs } from "../../src/models/reverse-inputs.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { median } from "./stats.js";

const modelId = process.argv[2] ?? "fmnist-biflow-s";
const { registry } = await scanModelsDir(path.join(PROJECT_ROOT, "models"), silentLogger);
const model = registry.get(modelId);
if (model === undefined) throw new Error(`no model ${modelId}`);
const bytes = await model.loadFile("reverse");
const web = new OrtRuntime({ wasm: nodeWasmLoading() });
const webSession = await web.session("bench", () => Promise.resolve(bytes));
const native = await createSession(bytes, { providers: ["cpu"], intraOpThreads: 1 }, () => Promise.resolve());

async function time(run: () => Promise<unknown>, iterations: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

const rows = [];
for (const batch of [1, 8, 32]) {
  const inputs = reverseInputs(
    model.manifest.image,
    Array.from({ length: batch }, (_, i) => i),
    1,
    0.5,
  );
  const dims = [...inputs.dims];
  const iterations = batch === 32 ? 10 : 30;
  const webMs = await time(
    () =>
      web.run(webSession, {
        z: web.tensor("float32", inputs.z, dims),
        class: web.tensor("int64", inputs.classes, [batch]),
        guidance: web.tensor("float32", inputs.guidance, [batch]),
      }),
    iterations,
  );
  const nodeMs = await time(
    () =>
      runForFloat(
        native.session,
        {
          z: floatTensor(inputs.z, dims),
          class: int64Tensor(inputs.classes, [batch]),
          guidance: floatTensor(inputs.guidance, [batch]),
        },
        "image",
        dims,
      ),
    iterations,
  );
  rows.push({
    batch,
    web_wasm_ms: +webMs.toFixed(2),
    node_cpu_ms: +nodeMs.toFixed(2),
    speedup: +(webMs / nodeMs).toFixed(2),
  });
}
console.log(JSON.stringify({ model: model.ref, threads: 1, rows }, null, 1));
