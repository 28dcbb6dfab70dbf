// Discovers models by scanning `<dir>/*/manifest.json` (docs/MODEL-CONTRACT.md): a new
// model folder is served with no code change; a broken one is reported and skipped.

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../src/logger.js";
import { parseManifest } from "../src/models/manifest.js";
import { createModelEntry, createModelRegistry, type ModelEntry, type ModelRegistry } from "../src/models/registry.js";

export interface ScanResult {
  registry: ModelRegistry;
  /** Folders with a manifest that could not be registered, with the reason. */
  skipped: { folder: string; reason: string }[];
}

async function loadFolder(folder: string): Promise<ModelEntry | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(folder, "manifest.json"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined; // not a model (e.g. train/)
    throw err;
  }
  const manifest = parseManifest(JSON.parse(text), path.basename(folder));
  return createModelEntry(manifest, async (file) => new Uint8Array(await readFile(path.join(folder, file))));
}

export async function scanModelsDir(dir: string, logger: Logger): Promise<ScanResult> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const entries: ModelEntry[] = [];
  const skipped: ScanResult["skipped"] = [];
  for (const d of dirents.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = path.join(dir, d.name);
    try {
      const entry = await loadFolder(folder);
      if (entry === undefined) continue;
      if (entries.some((e) => e.manifest.id === entry.manifest.id)) {
        throw new Error(`model id "${entry.manifest.id}" is already served from another folder`);
      }
      entries.push(entry);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      skipped.push({ folder, reason });
      logger.error("model skipped", { folder, reason });
    }
  }
  return { registry: createModelRegistry(entries), skipped };
}
