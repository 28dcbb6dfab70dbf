// The models this backend serves: every GPU-placed model under MODELS_DIR whose files all
// match their manifest's size and sha256. A model with a mismatching file is refused with
// a clear log line; the others load.

import type { Logger } from "../../src/logger.js";
import type { ModelFileKind } from "../../src/models/manifest.js";
import type { ModelEntry } from "../../src/models/registry.js";
import { scanModelsDir } from "../../engine/models-dir.js";

export interface ServedModel {
  entry: ModelEntry;
  /** Verified reverse.onnx bytes, handed to the inference workers. */
  reverse: Uint8Array;
}

export interface Refusal {
  model: string;
  reason: string;
}

const FILE_KINDS: readonly ModelFileKind[] = ["reverse", "forward", "decode_step", "jacobi_step"];

/** Reads and checks every file the manifest lists; the first mismatch refuses the model. */
async function verify(entry: ModelEntry): Promise<Uint8Array> {
  let reverse: Uint8Array | undefined;
  for (const kind of FILE_KINDS) {
    if (!entry.hasFile(kind)) continue;
    const bytes = await entry.loadFile(kind);
    if (kind === "reverse") reverse = bytes;
  }
  if (reverse === undefined) throw new Error(`${entry.ref} has no reverse file`);
  return reverse;
}

export async function loadServedModels(
  dir: string,
  logger: Logger,
): Promise<{ models: ServedModel[]; refused: Refusal[] }> {
  const { registry, skipped } = await scanModelsDir(dir, logger);
  const models: ServedModel[] = [];
  const refused: Refusal[] = skipped.map((s) => ({ model: s.folder, reason: s.reason }));
  for (const entry of registry.list()) {
    if (!entry.manifest.placements.includes("gpu")) {
      logger.info("model not served: not placed on gpu", { model: entry.ref });
      continue;
    }
    try {
      models.push({ entry, reverse: await verify(entry) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      refused.push({ model: entry.ref, reason });
      logger.error("model refused: a file does not match its manifest", { model: entry.ref, reason });
    }
  }
  return { models, refused };
}
