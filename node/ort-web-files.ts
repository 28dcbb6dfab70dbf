// onnxruntime-web's browser files for the playground on Node: read from the installed
// package's dist/ (the package the server samples with), once per file, then kept.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { OrtWebFileName, OrtWebFiles } from "../src/playground/ort-web-files.js";
import { ortWasmPath } from "./ort-wasm.js";

/** The package's dist/ folder: its exports map hides package.json, not the .wasm. */
export function ortWebDistDir(): string {
  return path.dirname(ortWasmPath());
}

export async function nodeOrtWebFiles(distDir: string = ortWebDistDir()): Promise<OrtWebFiles> {
  const pkg = JSON.parse(await readFile(path.join(distDir, "..", "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error(`${distDir}/../package.json names no version`);
  // The files are immutable for the life of the process (their URL names the version);
  // a failed read is forgotten so that a later request retries it.
  const cache = new Map<OrtWebFileName, Promise<Uint8Array<ArrayBuffer>>>();
  return {
    version: pkg.version,
    read(name) {
      let bytes = cache.get(name);
      if (bytes === undefined) {
        bytes = readFile(path.join(distDir, name)).then((b) => new Uint8Array(b));
        bytes.catch(() => cache.delete(name));
        cache.set(name, bytes);
      }
      return bytes;
    },
  };
}
