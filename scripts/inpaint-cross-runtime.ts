// Inpaintings on two runtimes side by side: a running router (F and G on onnxruntime-node in
// the engine) against the WASM encoder and decoder in this process (onnxruntime-web, what the
// Worker and the browser run), on 4 classes x 3 seeds x 3 masks of fmnist-biflow-s. Prints the
// largest and mean difference of the filled pixels (docs/edits.md; the bound in
// tests/integration/inpaintings.test.ts).
//
//   npm start &  node --import tsx scripts/inpaint-cross-runtime.ts http://localhost:8787

import { fileURLToPath } from "node:url";
import { scanModelsDir } from "../engine/models-dir.js";
import { nodeWasmLoading } from "../node/ort-wasm.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { WasmDecoder } from "../src/onnx/wasm-decoder.js";
import { WasmEncoder } from "../src/onnx/wasm-encoder.js";
import { encodePng } from "../src/png/encode.js";
import { decodePng } from "../src/png/decode.js";
import { createApp } from "../src/app.js";
import { parseConfig } from "../src/config.js";
import { MemoryObjectStore } from "../src/storage/memory.js";
import { noCache } from "../src/cache/sample-cache.js";
import { createJsonLogger } from "../src/logger.js";
import { systemClock } from "../src/clock.js";
import { WasmSampler } from "../src/onnx/wasm-sampler.js";

async function main(): Promise<void> {
  const logger = createJsonLogger({ level: "error", clock: systemClock, write: () => {} });
  const { registry } = await scanModelsDir(fileURLToPath(new URL("../models", import.meta.url)), logger);
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  const app = createApp({
    config: parseConfig({}),
    registry,
    samplers: [new WasmSampler({ runtime })],
    encoders: [new WasmEncoder(runtime)],
    decoders: [new WasmDecoder(runtime)],
    store: new MemoryObjectStore(),
    cache: noCache,
    logger,
  });
  const router = process.argv[2] ?? "http://localhost:8787";
  const masks = {
    lower: (p: number) => p >= 392,
    centre: (p: number) => p % 28 >= 7 && p % 28 < 21 && Math.floor(p / 28) >= 7 && Math.floor(p / 28) < 21,
    random: (p: number) => ((p * 2654435761) >>> 0) % 2 === 0,
  };
  let worstAll = 0;
  let total = 0;
  let n = 0;
  let differing = 0;
  for (const cls of ["dress", "sneaker", "bag", "shirt"])
    for (const seed of [1, 2, 3])
      for (const [mname, f] of Object.entries(masks)) {
        const img = new Uint8Array(
          await (await fetch(`${router}/v1/samples/fmnist-biflow-s/${cls}/${seed + 20}.png`)).arrayBuffer(),
        );
        const mask = await encodePng({
          width: 28,
          height: 28,
          channels: 1,
          pixels: Uint8Array.from({ length: 784 }, (_, p) => (f(p) ? 255 : 0)),
        });
        const form = () => {
          const fd = new FormData();
          fd.append("image", new Blob([img.slice()]), "i.png");
          fd.append("mask", new Blob([mask.slice()]), "m.png");
          return fd;
        };
        const q = `/v1/inpaintings?model=fmnist-biflow-s&class=${cls}&seed=${seed}`;
        const a = (
          await decodePng(
            new Uint8Array(await (await fetch(router + q, { method: "POST", body: form() })).arrayBuffer()),
          )
        ).pixels;
        const b = (
          await decodePng(new Uint8Array(await (await app.request(q, { method: "POST", body: form() })).arrayBuffer()))
        ).pixels;
        let w = 0;
        let s = 0;
        let c = 0;
        for (let p = 0; p < 784; p++)
          if (f(p)) {
            const d = Math.abs((a[p] ?? 0) - (b[p] ?? 0));
            w = Math.max(w, d);
            s += d;
            c++;
            if (d > 0) differing++;
          }
        worstAll = Math.max(worstAll, w);
        total += s;
        n += c;
        console.log(cls, seed, mname, "max", w, "mean", (s / c).toFixed(3));
      }
  console.log("ALL max", worstAll, "mean", (total / n).toFixed(4), "differing", differing, "of", n);
}

main().catch((err: unknown) => {
  process.stderr.write(`inpaint-cross-runtime: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
