// Whether an execution provider's shared libraries are installed beside onnxruntime-node's
// binding, checked before ORT is asked for it: ORT itself prints a red "Failed to load
// library ... providers_shared" to stderr for a missing one, before our fallback warning.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ExecutionProvider } from "./providers.js";

/**
 * The libraries each provider loads, per platform, as onnxruntime-node's install script
 * places them (script/install-metadata.js). Platforms not listed are left to ORT to judge.
 */
const LIBRARIES: Readonly<Record<string, Partial<Record<ExecutionProvider, readonly string[]>>>> = {
  linux: { cuda: ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"] },
};

/** The folder of onnxruntime-node's native binding for this platform. */
export function bindingDir(): string {
  const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
  return path.join(path.dirname(entry), "..", "bin", "napi-v6", process.platform, process.arch);
}

/** Why `provider` cannot load from `dir` (a library file is absent), or undefined when it may. */
export function missingLibrary(
  provider: ExecutionProvider,
  dir: string = bindingDir(),
  platform: string = process.platform,
): string | undefined {
  const absent = (LIBRARIES[platform]?.[provider] ?? []).find((file) => !existsSync(path.join(dir, file)));
  if (absent === undefined) return undefined;
  return (
    `${absent} is not installed in ${dir}: onnxruntime-node's install script was skipped ` +
    `(ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install installs it)`
  );
}
