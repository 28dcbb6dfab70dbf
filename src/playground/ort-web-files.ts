// The onnxruntime-web browser files the playground loads from the router, never from a
// CDN: per backend an entry module, the Emscripten glue it imports, and its WebAssembly.

/** Every file the router serves, with its content type; nothing else is reachable. */
export const ORT_WEB_FILES = {
  // WebGPU build (asyncify): runs the "webgpu" execution provider, and "wasm" too.
  "ort.webgpu.min.mjs": "text/javascript; charset=utf-8",
  "ort-wasm-simd-threaded.asyncify.mjs": "text/javascript; charset=utf-8",
  "ort-wasm-simd-threaded.asyncify.wasm": "application/wasm",
  // WASM-only build: half the download where the browser has no WebGPU, and the same
  // binary the server samples with.
  "ort.wasm.min.mjs": "text/javascript; charset=utf-8",
  "ort-wasm-simd-threaded.mjs": "text/javascript; charset=utf-8",
  "ort-wasm-simd-threaded.wasm": "application/wasm",
} as const;

export type OrtWebFileName = keyof typeof ORT_WEB_FILES;

/** The entry module the page imports for each backend. */
export const ORT_WEB_ENTRY = { webgpu: "ort.webgpu.min.mjs", wasm: "ort.wasm.min.mjs" } as const;

/** Files live under `${ORT_WEB_PREFIX}/{version}/`: the version makes each URL immutable. */
export const ORT_WEB_PREFIX = "/playground/ort";

export function isOrtWebFile(name: string): name is OrtWebFileName {
  return Object.hasOwn(ORT_WEB_FILES, name);
}

/** The base URL (with a trailing slash) of one onnxruntime-web version's files. */
export function ortWebBase(version: string): string {
  return `${ORT_WEB_PREFIX}/${encodeURIComponent(version)}/`;
}

/** Where a runtime finds these files (Node: node_modules/onnxruntime-web/dist). */
export interface OrtWebFiles {
  /** The installed onnxruntime-web version; a URL naming another one is not found. */
  readonly version: string;
  /** The file's bytes; rejects when the installed package lacks it. */
  read(name: OrtWebFileName): Promise<Uint8Array<ArrayBuffer>>;
}
