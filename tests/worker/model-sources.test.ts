// Where the Worker's model bytes come from: bundled Data modules, or the MODELS bucket for
// files too large to bundle; either way size and sha256 are checked against the manifest.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/models/manifest.js";
import { bundledRegistry, modelObjectKey, type BundledModel } from "../../workers/bundled-models.js";
import { bundledModels } from "../../workers/models.generated.js";

const first: BundledModel = bundledModels[0] ?? missingModel();
const manifest = parseManifest(first.manifest, first.folder);
const file = manifest.files.reverse.path;

function missingModel(): never {
  throw new Error("no edge model in workers/models.generated.ts");
}

/** The same model under another version, its reverse.onnx read from R2 only. */
function inR2(version: string): BundledModel {
  return { folder: first.folder, manifest: { ...manifest, version }, files: {}, r2Files: [file] };
}

async function reverseBytes(model: BundledModel): Promise<Uint8Array> {
  const entry = bundledRegistry([model], env.MODELS).get(manifest.id);
  if (entry === undefined) throw new Error("model not registered");
  return entry.loadFile("reverse");
}

describe("model sources in the Worker", () => {
  it("serves the generated list (bundled or uploaded to R2), checked against the manifest", async () => {
    const bytes = await reverseBytes(first);
    expect(bytes.length).toBe(manifest.files.reverse.bytes);
  });

  it("reads a file from the MODELS bucket under models/{id}/{version}/{file}", async () => {
    const bytes = await reverseBytes(first);
    await env.MODELS.put(modelObjectKey(manifest.id, "r2-test", file), bytes);
    expect(await reverseBytes(inR2("r2-test"))).toEqual(bytes);
  });

  it("names the missing object and the command that uploads it", async () => {
    await expect(reverseBytes(inR2("not-uploaded"))).rejects.toThrow(
      `models/${manifest.id}/not-uploaded/${file} is not in the MODELS bucket: run npm run worker:upload-models`,
    );
  });

  it("refuses an altered object", async () => {
    const bytes = (await reverseBytes(first)).slice();
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await env.MODELS.put(modelObjectKey(manifest.id, "altered", file), bytes);
    await expect(reverseBytes(inR2("altered"))).rejects.toThrow(/sha256 [0-9a-f]{64} does not match the manifest/);
  });

  it("refuses a file that is neither bundled nor in R2", async () => {
    const model: BundledModel = { ...inR2("nowhere"), r2Files: [] };
    await expect(reverseBytes(model)).rejects.toThrow(`models/${first.folder}/${file} is not bundled into the Worker`);
  });
});
