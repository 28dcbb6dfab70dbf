// The edge models of the Worker (listed in models.generated.ts by scripts/worker-models.ts):
// manifests are bundled and validated as on Node; ONNX files are bundled as Data where the
// upload size allows, else read once per isolate from the MODELS R2 bucket. Either way the
// registry checks size and sha256 against the manifest before ORT sees the bytes.

import { parseManifest } from "../src/models/manifest.js";
import { createModelEntry, createModelRegistry, ModelFileError, type ModelRegistry } from "../src/models/registry.js";
import type { R2BucketLike } from "../src/storage/r2.js";

export interface BundledModel {
  /** The folder under models/ it came from (named in errors). */
  folder: string;
  /** manifest.json as parsed JSON; validated here like any other manifest. */
  manifest: unknown;
  /** Files bundled into the Worker, by manifest path. */
  files: Readonly<Record<string, ArrayBuffer>>;
  /** Files read from the MODELS bucket instead (too large to bundle), by manifest path. */
  r2Files: readonly string[];
}

/** Where a model file lives in the MODELS bucket (scripts/worker-upload-models.ts puts it there). */
export function modelObjectKey(id: string, version: string, path: string): string {
  return `models/${id}/${version}/${path}`;
}

/** A registry over the Worker's edge models; `bucket` serves the files not bundled. */
export function bundledRegistry(models: readonly BundledModel[], bucket: R2BucketLike): ModelRegistry {
  return createModelRegistry(
    models.map((model) => {
      const manifest = parseManifest(model.manifest, `models/${model.folder}`);
      return createModelEntry(manifest, async (path) => {
        const bytes = model.files[path];
        if (bytes !== undefined) return new Uint8Array(bytes);
        if (!model.r2Files.includes(path)) {
          throw new ModelFileError(`models/${model.folder}/${path} is not bundled into the Worker`);
        }
        const key = modelObjectKey(manifest.id, manifest.version, path);
        const object = await bucket.get(key);
        if (object === null) {
          throw new ModelFileError(`${key} is not in the MODELS bucket: run npm run worker:upload-models`);
        }
        return new Uint8Array(await object.arrayBuffer());
      });
    }),
  );
}
