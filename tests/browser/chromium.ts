// Debian's Chromium, headless, driven by playwright-core and kept off the network: no
// background services, no QUIC, no component updates. Playwright gives each launch a fresh
// temporary profile (its --user-data-dir), removed when the browser closes.

import { chromium, type Browser } from "playwright-core";

/** The binary Debian's `chromium` package installs; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const OFFLINE_FLAGS = [
  "--headless",
  // Test containers run as root, where Chromium's sandbox cannot start.
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
];

/**
 * WebGPU on SwiftShader, Chromium's CPU implementation of Vulkan: a real WebGPU adapter
 * (marked as a fallback adapter) on machines without a GPU.
 */
const SWIFTSHADER_WEBGPU_FLAGS = [
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--enable-features=Vulkan",
];

export type GpuMode = "swiftshader-webgpu" | "no-gpu";

export function launchChromium(mode: GpuMode): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...OFFLINE_FLAGS, ...(mode === "no-gpu" ? ["--disable-gpu"] : SWIFTSHADER_WEBGPU_FLAGS)],
  });
}
