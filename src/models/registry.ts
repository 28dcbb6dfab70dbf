// The model registry: manifests plus a way to get each model's ONNX bytes, checked against
// the manifest's size and sha256 before any runtime sees them. Sources are injected: Node
// reads a directory, the Worker bundles bytes or reads R2.

import { sha256Hex } from "../bytes.js";
import { classNameProblems } from "./classes.js";
import { ManifestError, type ModelFileKind, type ModelManifest } from "./manifest.js";

/** Reads a file of the model folder by its manifest path. */
export type ReadModelFile = (path: string) => Promise<Uint8Array>;

export interface ModelEntry {
  readonly manifest: ModelManifest;
  /** `${id}@${version}`: the identity of sessions and cached state. */
  readonly ref: string;
  hasFile(kind: ModelFileKind): boolean;
  /** The verified bytes of one ONNX file; rejects when missing, resized or altered. */
  loadFile(kind: ModelFileKind): Promise<Uint8Array>;
}

export interface ModelRegistry {
  list(): readonly ModelEntry[];
  get(id: string): ModelEntry | undefined;
}

export class ModelFileError extends Error {
  override readonly name = "ModelFileError";
}

export function createModelEntry(manifest: ModelManifest, read: ReadModelFile): ModelEntry {
  const problems = classNameProblems(manifest.classes);
  if (problems.length > 0) throw new ManifestError(`${manifest.id}: ${problems.join("; ")}`);
  const ref = `${manifest.id}@${manifest.version}`;
  const spec = (kind: ModelFileKind) => manifest.files[kind];
  return {
    manifest,
    ref,
    hasFile: (kind) => spec(kind) !== undefined,
    async loadFile(kind) {
      const file = spec(kind);
      if (file === undefined) throw new ModelFileError(`${ref} has no ${kind} file`);
      const bytes = await read(file.path);
      if (bytes.length !== file.bytes) {
        throw new ModelFileError(`${ref} ${file.path}: ${bytes.length} bytes, manifest says ${file.bytes}`);
      }
      const digest = await sha256Hex(bytes);
      if (digest !== file.sha256) {
        throw new ModelFileError(`${ref} ${file.path}: sha256 ${digest} does not match the manifest`);
      }
      return bytes;
    },
  };
}

/** A registry over fixed entries; ids must be unique. */
export function createModelRegistry(entries: readonly ModelEntry[]): ModelRegistry {
  const byId = new Map<string, ModelEntry>();
  for (const entry of entries) {
    if (byId.has(entry.manifest.id)) throw new ManifestError(`duplicate model id "${entry.manifest.id}"`);
    byId.set(entry.manifest.id, entry);
  }
  const sorted = [...byId.values()].sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  return { list: () => sorted, get: (id) => byId.get(id) };
}
