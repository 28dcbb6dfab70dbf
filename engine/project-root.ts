// The project root for both Node entries: defaults such as models/ and .data/ are relative
// to it, not to the working directory.

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project root (the nearest folder with a package.json above this file, so it holds
 * for engine/ run by tsx and for dist/engine/ alike): defaults are relative to it, not to the
 * working directory.
 */
export const PROJECT_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
