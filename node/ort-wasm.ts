// The WASM loading strategy on Node: the bytes of onnxruntime-web's own .wasm, read from
// node_modules by file path (never from a CDN).

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { WasmLoading } from "../src/onnx/wasm-loading.js";

/** The binary that onnxruntime-web/wasm's bundled Emscripten glue expects. */
export const ORT_WASM_SPECIFIER = "onnxruntime-web/ort-wasm-simd-threaded.wasm";

export function ortWasmPath(): string {
  return createRequire(import.meta.url).resolve(ORT_WASM_SPECIFIER);
}

export function nodeWasmLoading(): WasmLoading {
  return { kind: "binary", load: async () => new Uint8Array(await readFile(ortWasmPath())) };
}
