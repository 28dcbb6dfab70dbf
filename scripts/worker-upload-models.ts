// Puts the model files the Worker reads from R2 (those too large to bundle, as listed in
// workers/models.generated.ts) into the MODELS bucket of wrangler.toml, under
// models/{id}/{version}/{file}. `--local` fills wrangler dev's local R2, `--remote` the real one.
//   npm run worker:upload-models -- --remote

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseManifest } from "../src/models/manifest.js";
import { modelObjectKey } from "../workers/bundled-models.js";
import { writeModelsModule } from "./worker-models.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** bucket_name of the [[r2_buckets]] entry bound as MODELS in wrangler.toml. */
export function modelsBucketName(wranglerToml: string): string {
  for (const block of wranglerToml.split(/^\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0] ?? "";
    if (!/^binding\s*=\s*"MODELS"\s*$/m.test(body)) continue;
    const name = /^bucket_name\s*=\s*"([^"]+)"\s*$/m.exec(body)?.[1];
    if (name !== undefined) return name;
  }
  throw new Error('wrangler.toml declares no [[r2_buckets]] with binding = "MODELS" and a bucket_name');
}

async function main(): Promise<void> {
  const where = process.argv.includes("--remote")
    ? "--remote"
    : process.argv.includes("--local")
      ? "--local"
      : undefined;
  if (where === undefined) throw new Error("say where to upload: --local (wrangler dev) or --remote (Cloudflare)");
  const { models } = await writeModelsModule();
  const uploads = models.flatMap((m) => m.inR2.map((file) => ({ folder: m.folder, file })));
  if (uploads.length === 0) {
    process.stdout.write("worker-upload-models: every edge model is bundled; nothing to upload\n");
    return;
  }
  const bucket = modelsBucketName(await readFile(path.join(ROOT, "wrangler.toml"), "utf8"));
  for (const { folder, file } of uploads) {
    const dir = path.join(ROOT, "models", folder);
    const manifest = parseManifest(
      JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")),
      `models/${folder}`,
    );
    const key = modelObjectKey(manifest.id, manifest.version, file);
    process.stdout.write(`worker-upload-models: ${bucket}/${key} (${where.slice(2)})\n`);
    await promisify(execFile)(
      WRANGLER,
      [
        "r2",
        "object",
        "put",
        `${bucket}/${key}`,
        `--file=${path.join(dir, file)}`,
        "--content-type=application/octet-stream",
        where,
      ],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker-upload-models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
