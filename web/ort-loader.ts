// Loads onnxruntime-web from the router (never a CDN): the WebGPU build where the browser
// offers a WebGPU adapter, else the WASM-only build; one thread unless cross-origin isolated.

import type * as Ort from "onnxruntime-web";
import { ORT_WEB_ENTRY } from "../src/playground/ort-web-files.js";

export type OrtModule = typeof Ort;
export type Backend = keyof typeof ORT_WEB_ENTRY;

/** The slice of WebGPU's navigator.gpu used here (TypeScript's DOM lib has no WebGPU). */
interface GpuAdapterLike {
  readonly info?: { readonly vendor?: string; readonly architecture?: string };
}
interface NavigatorGpu {
  readonly gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> };
}

export type WebGpuProbe = { available: true; adapter: string } | { available: false; reason: string };

/** Whether WebGPU can run here, and on which adapter (e.g. "google swiftshader"). */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const { gpu } = navigator as Navigator & NavigatorGpu;
  if (gpu === undefined) return { available: false, reason: "this browser has no WebGPU (navigator.gpu)" };
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return { available: false, reason: "no WebGPU adapter" };
    const name = [adapter.info?.vendor, adapter.info?.architecture].filter((s) => s !== undefined && s !== "");
    return { available: true, adapter: name.join(" ") || "unnamed adapter" };
  } catch (err) {
    return { available: false, reason: `WebGPU adapter request failed: ${String(err)}` };
  }
}

/**
 * Imports one onnxruntime-web build from `base` (the router's versioned folder of its
 * files) and points its WASM loader at the same folder.
 */
export async function loadOrt(backend: Backend, base: string): Promise<OrtModule> {
  // A URL only known at run time: the bundler must leave this import to the browser.
  const ort = (await import(/* @vite-ignore */ `${base}${ORT_WEB_ENTRY[backend]}`)) as OrtModule;
  ort.env.wasm.wasmPaths = base;
  // Threads need SharedArrayBuffer, which only cross-origin isolated pages get.
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency) : 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = "error";
  return ort;
}
