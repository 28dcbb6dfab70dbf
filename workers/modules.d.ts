// Module types for the non-JS imports wrangler bundles (see [[rules]] in wrangler.toml).

/** `CompiledWasm`: wrangler compiles the .wasm at build time and hands over the module. */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

/** `Data`: the file's bytes. */
declare module "*.onnx" {
  const bytes: ArrayBuffer;
  export default bytes;
}
