// Why and how onnxruntime-web runs in workerd: the runtime refuses to compile WebAssembly
// from bytes, the Worker's .wasm import is a precompiled module, and the scoped reroute of
// WebAssembly.instantiate (src/onnx/wasm-loading.ts) is gone again once ORT is up.

import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import { describe, expect, it } from "vitest";
import { createWasmMarker } from "../../src/onnx/wasm-loading.js";
import { bundledManifests, call } from "./helpers.js";

const instantiateAtLoad = WebAssembly.instantiate;

describe("onnxruntime-web in workerd", () => {
  it("workerd refuses to compile bytes, so the strategy is needed", async () => {
    await expect(WebAssembly.instantiate(createWasmMarker())).rejects.toThrow(/disallowed/i);
  });

  it("the .wasm import is a module precompiled by the bundler", () => {
    expect(ortWasm).toBeInstanceOf(WebAssembly.Module);
    const exports = WebAssembly.Module.exports(ortWasm).map((e) => e.name);
    expect(exports.length).toBeGreaterThan(10);
    expect(WebAssembly.Module.imports(ortWasm).some((i) => i.kind === "memory")).toBe(true);
  });

  it("samples with one thread and leaves WebAssembly.instantiate as it found it", async () => {
    const [model] = bundledManifests();
    if (model === undefined) throw new Error("no edge model is bundled");
    const response = await call(`/v1/samples/${model.id}@${model.version}/null/31337.png?guidance=1.00`);
    expect(response.status).toBe(200);
    expect(WebAssembly.instantiate).toBe(instantiateAtLoad);
    const ready = await (await call("/health/ready")).json<{ checks: Record<string, { detail: string }> }>();
    expect(ready.checks["sampler:wasm"]?.detail).toMatch(/^onnxruntime-web ready, \d+ session\(s\)$/);
  });
});
