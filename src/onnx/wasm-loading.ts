// How onnxruntime-web gets its WebAssembly: injected by the entry point, never fetched
// from a CDN. Node hands over the .wasm bytes; workerd, which refuses to compile bytes at
// run time, hands over the WebAssembly.Module its bundler precompiled.

export type WasmLoading =
  /** Bytes of ort-wasm-simd-threaded.wasm (Node reads them from node_modules). */
  | { readonly kind: "binary"; readonly load: () => Promise<Uint8Array | ArrayBuffer> }
  /**
   * A precompiled module (in Workers: `import wasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm"`,
   * which wrangler compiles at build time). See withInstantiateRouted for how it is used.
   */
  | { readonly kind: "module"; readonly module: WebAssembly.Module };

/**
 * A placeholder handed to ORT as `env.wasm.wasmBinary` in module mode: the smallest valid
 * wasm header. Emscripten passes it (as a view on this very buffer) to
 * WebAssembly.instantiate, which withInstantiateRouted recognises by identity.
 */
export function createWasmMarker(): ArrayBuffer {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]).buffer;
}

type InstantiateSource = BufferSource | WebAssembly.Module;

/**
 * Runs `fn` while WebAssembly.instantiate(marker, imports) resolves to an instance of the
 * precompiled `module` (as {instance, module}, the shape the bytes overload returns);
 * every other call goes to the original. ORT's Emscripten glue offers no instantiateWasm
 * hook through its options, so this scoped reroute is the seam; the original function is
 * restored when `fn` settles.
 */
export async function withInstantiateRouted<T>(
  module: WebAssembly.Module,
  marker: ArrayBuffer,
  fn: () => Promise<T>,
): Promise<T> {
  const original = WebAssembly.instantiate;
  const call = (source: InstantiateSource, imports?: WebAssembly.Imports): Promise<unknown> =>
    Reflect.apply(original, WebAssembly, [source, imports]);
  const routed = (source: InstantiateSource, imports?: WebAssembly.Imports): Promise<unknown> => {
    const buffer = ArrayBuffer.isView(source) ? source.buffer : source;
    if (buffer === marker) {
      return call(module, imports).then((instance) => ({ instance, module }));
    }
    return call(source, imports);
  };
  WebAssembly.instantiate = routed as unknown as typeof WebAssembly.instantiate;
  try {
    return await fn();
  } finally {
    WebAssembly.instantiate = original;
  }
}
