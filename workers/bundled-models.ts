// The models bundled into the Worker (listed in models.generated.ts by
// scripts/worker-models.ts): manifests validated as on Node, ONNX bytes imported as Data
// modules, so serving a model needs no fetch and no R2 read at run time.

import { parseManifest } from "../src/models/manifest.js";
import { createModelEntry, createModelRegistry, ModelFileError, type ModelRegistry } from "../src/models/registry.js";

export interface BundledModel {
  /** The folder under models/ it came from (named in errors). */
  folder: string;
  /** manifest.json as parsed JSON; validated here like any other manifest. */
  manifest: unknown;
  /** The bundled files by their manifest path (reverse.onnx; other files stay out). */
  files: Readonly<Record<string, ArrayBuffer>>;
}

/** A registry over the bundled models; their files are checked against the manifest on load. */
export function bundledRegistry(models: readonly BundledModel[]): ModelRegistry {
  return createModelRegistry(
    models.map((model) =>
      createModelEntry(parseManifest(model.manifest, `models/${model.folder}`), (path) => {
        const bytes = model.files[path];
        if (bytes === undefined) {
          return Promise.reject(new ModelFileError(`models/${model.folder}/${path} is not bundled into the Worker`));
        }
        return Promise.resolve(new Uint8Array(bytes));
      }),
    ),
  );
}
