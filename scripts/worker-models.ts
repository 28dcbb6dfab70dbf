// Writes workers/models.generated.ts: the models under models/ whose manifest places them on
// the edge or the GPU. Manifests are always bundled; a GPU-only model's files never are (the
// Worker sends it to the GPU backend pool); an edge model's ONNX files (reverse, forward) are bundled
// as Data while the Worker stays under Cloudflare's upload limit, otherwise the Worker reads
// them from the MODELS R2 bucket (npm run worker:upload-models puts them there). wrangler runs this before every
// build ([build] in wrangler.toml) and so do the worker tests: a new model folder needs no
// code change.

import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { parseManifest } from "../src/models/manifest.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_PATH = path.join(ROOT, "workers", "models.generated.ts");

/** File kinds the Worker serves per model, in bundling priority: G samples (1-NFE), F encodes. */
const EDGE_KINDS = ["reverse", "forward"] as const;

const MIB = 1024 * 1024;
/** Workers Paid: 10 MB per Worker after compression (Free: 3 MB, which ORT's WASM alone exceeds). */
export const UPLOAD_LIMIT_BYTES = 10 * MIB;
/**
 * Compressed bytes kept for everything but bundled models: ORT's .wasm (3.5 MiB gzipped),
 * the bundled JS (0.2 MiB) and room to grow. `npm run worker:size` shows the real total.
 */
export const RUNTIME_RESERVE_BYTES = 4.5 * MIB;

export interface EdgeModel {
  folder: string;
  /** Model files to bundle as Data (manifest paths). */
  bundled: string[];
  /** Model files the Worker reads from the MODELS bucket. */
  inR2: string[];
  /** Gzipped size of each file, for the budget and the report. */
  gzipBytes: Record<string, number>;
}

/**
 * Edge- and GPU-placed models under `modelsDir`, sorted by folder; an edge model's files
 * are split between the bundle and R2 (see assignToBundle), a GPU-only model has none in
 * the Worker (manifest only: the routing policy sends it to the pool). Broken manifests
 * are errors.
 */
export async function planEdgeModels(
  modelsDir: string,
  budget = UPLOAD_LIMIT_BYTES - RUNTIME_RESERVE_BYTES,
): Promise<EdgeModel[]> {
  const dirents = await readdir(modelsDir, { withFileTypes: true });
  const found: { folder: string; files: string[]; gzipBytes: Record<string, number> }[] = [];
  for (const d of dirents.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    let text: string;
    try {
      text = await readFile(path.join(modelsDir, d.name, "manifest.json"), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // not a model folder (train/)
      throw err;
    }
    const manifest = parseManifest(JSON.parse(text), `models/${d.name}`);
    const edge = manifest.placements.includes("edge");
    if (!edge && !manifest.placements.includes("gpu")) continue;
    const files = EDGE_KINDS.flatMap((kind) => {
      if (!edge) return [];
      const spec = manifest.files[kind];
      return spec === undefined ? [] : [spec.path];
    });
    const gzipBytes: Record<string, number> = {};
    for (const file of files) gzipBytes[file] = gzipSync(await readFile(path.join(modelsDir, d.name, file))).length;
    found.push({ folder: d.name, files, gzipBytes });
  }
  return assignToBundle(found, budget);
}

/**
 * Picks the files to bundle: reverse.onnx of every model before any forward.onnx (sampling is
 * the latency-critical path; the first encode can afford an R2 read), smallest first within
 * a kind, while the compressed total fits in `budget`. The rest go to R2.
 */
export function assignToBundle(
  models: readonly { folder: string; files: string[]; gzipBytes: Record<string, number> }[],
  budget: number,
): EdgeModel[] {
  const candidates = models.flatMap((m) =>
    m.files.map((file, rank) => ({ folder: m.folder, file, rank, bytes: m.gzipBytes[file] ?? 0 })),
  );
  candidates.sort((a, b) => a.rank - b.rank || a.bytes - b.bytes || a.folder.localeCompare(b.folder));
  const bundled = new Set<string>();
  let left = budget;
  for (const c of candidates) {
    if (c.bytes > left) continue;
    left -= c.bytes;
    bundled.add(`${c.folder}/${c.file}`);
  }
  return models.map((m) => ({
    folder: m.folder,
    bundled: m.files.filter((f) => bundled.has(`${m.folder}/${f}`)),
    inR2: m.files.filter((f) => !bundled.has(`${m.folder}/${f}`)),
    gzipBytes: m.gzipBytes,
  }));
}

/** The module's text; `modelsPath` is the models folder relative to the module's folder. */
export function renderModule(
  models: readonly EdgeModel[],
  modelsPath = "../models",
  bundledModelsPath = "./bundled-models.js",
): string {
  const imports: string[] = [];
  const entries = models.map((model, m) => {
    imports.push(`import model${m}Manifest from "${modelsPath}/${model.folder}/manifest.json" with { type: "json" };`);
    const files = model.bundled.map((file, f) => {
      imports.push(`import model${m}File${f} from "${modelsPath}/${model.folder}/${file}";`);
      return `${JSON.stringify(file)}: model${m}File${f}`;
    });
    return [
      "  {",
      `    folder: ${JSON.stringify(model.folder)},`,
      `    manifest: model${m}Manifest,`,
      files.length === 0 ? "    files: {}," : `    files: { ${files.join(", ")} },`,
      `    r2Files: [${model.inR2.map((f) => JSON.stringify(f)).join(", ")}],`,
      "  },",
    ].join("\n");
  });
  return [
    "// Generated by scripts/worker-models.ts from */manifest.json; do not edit. wrangler",
    "// (dev, deploy) and the worker tests regenerate it; commit it when it changes.",
    "// The Worker's models: manifests bundled; an edge model's ONNX files bundled as Data or read",
    "// from R2; a GPU-only model's files never (the GPU backend pool serves it).",
    "",
    `import type { BundledModel } from "${bundledModelsPath}";`,
    ...imports,
    "",
    "export const bundledModels: readonly BundledModel[] = [",
    ...entries,
    "];",
    "",
  ].join("\n");
}

/** The budget for bundled models: WORKER_MODEL_BUDGET_BYTES overrides the default. */
export function modelBudget(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.WORKER_MODEL_BUDGET_BYTES;
  if (raw === undefined || raw === "") return UPLOAD_LIMIT_BYTES - RUNTIME_RESERVE_BYTES;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`WORKER_MODEL_BUDGET_BYTES must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

/**
 * Regenerates the module (written only when its content changes); the Worker tests write
 * modules of fixture models the same way, elsewhere (`out`).
 */
export async function writeModelsModule(
  modelsDir = path.join(ROOT, "models"),
  budget = modelBudget(process.env),
  out = GENERATED_PATH,
): Promise<{ changed: boolean; models: EdgeModel[] }> {
  const models = await planEdgeModels(modelsDir, budget);
  const relative = (to: string) => {
    const p = path.relative(path.dirname(out), to).split(path.sep).join("/");
    return p.startsWith(".") ? p : `./${p}`;
  };
  const text = renderModule(models, relative(modelsDir), relative(path.join(ROOT, "workers", "bundled-models.js")));
  const current = await readFile(out, "utf8").catch(() => undefined);
  if (current !== text) await writeFile(out, text);
  return { changed: current !== text, models };
}

function describe(model: EdgeModel): string {
  const kib = (f: string) => `${Math.round((model.gzipBytes[f] ?? 0) / 1024)} KiB gz`;
  const parts = [
    ...model.bundled.map((f) => `${f} bundled (${kib(f)})`),
    ...model.inR2.map((f) => `${f} in R2 (${kib(f)})`),
  ];
  return `${model.folder}: ${parts.join(", ") || "manifest only (GPU pool)"}`;
}

async function main(): Promise<void> {
  const { changed, models } = await writeModelsModule();
  process.stdout.write(`workers/models.generated.ts ${changed ? "written" : "up to date"}\n`);
  for (const model of models) process.stdout.write(`  ${describe(model)}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker-models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
