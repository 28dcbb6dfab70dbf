// Starting the inference worker thread from sources (tsx) or from the build (dist/*.js):
// picked by the extension of this very module, which is how the process was started.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** The worker entry beside this module, with this module's own extension. */
export function workerEntry(): URL {
  const ext = path.extname(fileURLToPath(import.meta.url));
  return new URL(`./worker${ext}`, import.meta.url);
}

export function spawnWorker(entry: URL = workerEntry()): Worker {
  if (entry.pathname.endsWith(".ts")) {
    // Under `node --import tsx` a Node 20 worker does not inherit the loader hook, so the
    // worker registers tsx itself before importing the TypeScript entry.
    const code = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
    return new Worker(code, { eval: true });
  }
  return new Worker(entry);
}
