// Before the Worker tests: puts the model files the Worker reads from R2 (too large to
// bundle) into the MODELS bucket, as `npm run worker:upload-models` does for a deployment.

import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { parseManifest } from "../../src/models/manifest.js";
import { modelObjectKey } from "../../workers/bundled-models.js";
import { bundledModels } from "../../workers/models.generated.js";

beforeAll(async () => {
  for (const model of bundledModels) {
    const { id, version } = parseManifest(model.manifest, model.folder);
    for (const file of model.r2Files) {
      const key = modelObjectKey(id, version, file);
      if ((await env.MODELS.head(key)) !== null) continue;
      const response = await env.MODEL_FILES.fetch(`http://model-files/${model.folder}/${file}`);
      if (!response.ok) throw new Error(`models/${model.folder}/${file}: HTTP ${response.status}`);
      await env.MODELS.put(key, await response.arrayBuffer());
    }
  }
});
