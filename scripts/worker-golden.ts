// Writes tests/worker/golden/: for each edge model, sample PNGs, their bits/dim and an
// inpainting of each (lower half filled) computed on Node by the core app with the Node WASM
// sampler, encoder and decoder (onnxruntime-web on Node).
// The Worker test asks workerd for the same URLs and encodings and compares. Rerun after a
// model changes:   npm run worker:golden

import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scanModelsDir } from "../engine/models-dir.js";
import { nodeWasmLoading } from "../node/ort-wasm.js";
import { createApp } from "../src/app.js";
import { noCache } from "../src/cache/sample-cache.js";
import { systemClock } from "../src/clock.js";
import { parseConfig } from "../src/config.js";
import { canonicalGuidance, formatGuidance } from "../src/keys.js";
import { createJsonLogger } from "../src/logger.js";
import { classLabel } from "../src/models/classes.js";
import type { ModelEntry } from "../src/models/registry.js";
import { OrtRuntime } from "../src/onnx/runtime.js";
import { WasmEncoder } from "../src/onnx/wasm-encoder.js";
import { WasmSampler } from "../src/onnx/wasm-sampler.js";
import { MemoryObjectStore } from "../src/storage/memory.js";
import { lowerHalfMask, type GoldenCase } from "../tests/worker/golden-cases.js";
import { encodePng } from "../src/png/encode.js";
import { WasmDecoder } from "../src/onnx/wasm-decoder.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const GOLDEN_DIR = path.join(ROOT, "tests", "worker", "golden");

/** Cases spanning classes (first, middle, last, unconditional), seeds and the guidance range. */
function casesFor(model: ModelEntry): { classIndex: number | null; seed: number; guidance: number }[] {
  const { classes, guidance } = model.manifest;
  const k = classes.length;
  return [
    { classIndex: 0, seed: 0, guidance: guidance.default },
    { classIndex: Math.floor(k / 2), seed: 42, guidance: guidance.max },
    { classIndex: k - 1, seed: 123_456_789, guidance: (guidance.min + guidance.max) / 2 },
    { classIndex: null, seed: 4_294_967_295, guidance: guidance.min },
  ].map((c) => ({ ...c, guidance: canonicalGuidance(c.guidance) }));
}

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

async function main(): Promise<void> {
  const logger = createJsonLogger({
    level: "warn",
    clock: systemClock,
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const { registry, skipped } = await scanModelsDir(path.join(ROOT, "models"), logger);
  if (skipped.length > 0) throw new Error(`models skipped: ${skipped.map((s) => s.folder).join(", ")}`);
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  const sampler = new WasmSampler({ runtime });
  const encoder = new WasmEncoder(runtime);
  const app = createApp({
    config: parseConfig({}),
    registry,
    samplers: [sampler],
    encoders: [encoder],
    decoders: [new WasmDecoder(runtime)],
    store: new MemoryObjectStore(),
    cache: noCache,
    logger,
  });
  const edge = registry.list().filter((m) => sampler.accepts(m, 1));

  await rm(GOLDEN_DIR, { recursive: true, force: true });
  const index: GoldenCase[] = [];
  for (const model of edge) {
    const { manifest } = model;
    await mkdir(path.join(GOLDEN_DIR, manifest.id), { recursive: true });
    for (const c of casesFor(model)) {
      const label = classLabel(manifest, c.classIndex);
      const url = `/v1/samples/${manifest.id}@${manifest.version}/${label}/${c.seed}.png?guidance=${formatGuidance(c.guidance)}`;
      const png = new Uint8Array(await (await ok(await app.request(url), url)).arrayBuffer());
      const file = `${manifest.id}/${label}-${c.seed}-g${formatGuidance(c.guidance)}.png`;
      await writeFile(path.join(GOLDEN_DIR, file), png);
      let bitsPerDim: number | null = null;
      if (encoder.accepts(model)) {
        const encodeUrl = `/v1/encode?model=${manifest.id}&class=${label}`;
        const init = { method: "POST", headers: { "content-type": "image/png" }, body: png };
        const encoded = (await (await ok(await app.request(encodeUrl, init), encodeUrl)).json()) as {
          bits_per_dim: number;
        };
        bitsPerDim = encoded.bits_per_dim;
      }
      let inpainting: GoldenCase["inpainting"] = null;
      if (encoder.accepts(model)) {
        const seed = (c.seed + 1) % 2 ** 32;
        const url = `/v1/inpaintings?model=${manifest.id}&class=${label}&seed=${seed}`;
        const { width, height } = manifest.image;
        const mask = await encodePng({ width, height, channels: 1, pixels: lowerHalfMask(width, height) });
        const form = new FormData();
        form.append("image", new Blob([png.slice()]), "image.png");
        form.append("mask", new Blob([mask.slice()]), "mask.png");
        const filled = new Uint8Array(
          await (await ok(await app.request(url, { method: "POST", body: form }), url)).arrayBuffer(),
        );
        inpainting = { file: file.replace(/\.png$/, "-inpainted.png"), seed };
        await writeFile(path.join(GOLDEN_DIR, inpainting.file), filled);
      }
      index.push({
        model: manifest.id,
        version: manifest.version,
        class: label,
        seed: c.seed,
        guidance: formatGuidance(c.guidance),
        file,
        bitsPerDim,
        inpainting,
      });
    }
  }
  await writeFile(path.join(GOLDEN_DIR, "index.json"), `${JSON.stringify(index, null, 2)}\n`);
  process.stdout.write(
    `${index.length} golden samples for ${edge.map((m) => m.ref).join(", ")} in tests/worker/golden/\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-golden: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
