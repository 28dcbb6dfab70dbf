// The Worker's WASM loading strategy, exercised on Node: with WebAssembly.instantiate
// refusing bytes (as workerd does), ORT still starts from a precompiled module; the
// reroute is scoped and restored. Its own file: ORT's WASM state is per module instance.

import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ortWasmPath } from "../../node/ort-wasm.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { createWasmMarker, withInstantiateRouted } from "../../src/onnx/wasm-loading.js";
import { WasmSampler } from "../../src/onnx/wasm-sampler.js";
import { decodePng } from "../../src/png/decode.js";
import { fixtureRegistry } from "../helpers/fixtures.js";

const original = WebAssembly.instantiate;
afterEach(() => {
  WebAssembly.instantiate = original;
});

/** workerd's rule: instantiate(module) is fine, instantiate(bytes) is refused. */
function refuseBytes(): void {
  const strict = (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (source instanceof WebAssembly.Module) return original(source, imports);
    return Promise.reject(new Error("Wasm code generation disallowed by embedder"));
  };
  WebAssembly.instantiate = strict as typeof WebAssembly.instantiate;
}

describe("withInstantiateRouted", () => {
  it("routes only the marker, and restores the original after success and failure", async () => {
    const module = await WebAssembly.compile(createWasmMarker());
    const marker = createWasmMarker();
    const routed = await withInstantiateRouted(module, marker, async () => {
      expect(WebAssembly.instantiate).not.toBe(original);
      return WebAssembly.instantiate(new Uint8Array(marker), {});
    });
    expect(routed.module).toBe(module);
    expect(WebAssembly.instantiate).toBe(original);
    await expect(withInstantiateRouted(module, marker, () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    expect(WebAssembly.instantiate).toBe(original);
  });
});

describe("OrtRuntime with a precompiled module", () => {
  it("samples the fixture model while instantiate(bytes) is refused", async () => {
    const module = await WebAssembly.compile(await readFile(ortWasmPath()));
    refuseBytes();
    await expect(WebAssembly.instantiate(new Uint8Array(8))).rejects.toThrow(/disallowed/);
    const sampler = new WasmSampler({ runtime: new OrtRuntime({ wasm: { kind: "module", module } }) });
    const model = (await fixtureRegistry()).get("tiny-biflow");
    if (model === undefined) throw new Error("fixture missing");
    const [image] = await sampler.sample({ model, classInput: 1, seeds: [7], guidance: 1 });
    const png = await decodePng(image?.png ?? new Uint8Array());
    expect([png.width, png.height]).toEqual([28, 28]);
    expect((await sampler.health()).ok).toBe(true);
  });
});
