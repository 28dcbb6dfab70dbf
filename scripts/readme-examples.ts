// Rewrites the generated blocks that come from models/: in README.md the models table and the
// API examples, in docs/usage.md the GET /v1/models answer, captured from a real router process
// over models/ (as `npm start` runs it, with a fresh local store so the first answers are
// "computed"). Part of `npm run models:sync`.
//   node --import tsx scripts/readme-examples.ts

import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseManifest, type ModelManifest } from "../src/models/manifest.js";
import { startRouter } from "../tests/helpers/processes.js";
import { formatJson, formatMarkdown, replaceBlock } from "./lib/readme-blocks.js";
import { modelBudget, planEdgeModels, type EdgeModel } from "./worker-models.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const README = path.join(ROOT, "README.md");
/** The API guide, which holds the long `GET /v1/models` answer. */
export const USAGE_DOC = path.join(ROOT, "docs", "usage.md");
/** The shipped model every README example uses. */
export const EXAMPLE_MODEL = "fmnist-biflow-s";
/** The origin the README's examples show (`npm start`'s default port). */
const DOCUMENTED_ORIGIN = "http://localhost:8787";

async function manifests(modelsDir: string): Promise<{ folder: string; manifest: ModelManifest }[]> {
  const found: { folder: string; manifest: ModelManifest }[] = [];
  for (const d of (await readdir(modelsDir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const text = await readFile(path.join(modelsDir, d.name, "manifest.json"), "utf8").catch(() => undefined);
    if (text === undefined) continue; // not a model folder (train/)
    found.push({ folder: d.name, manifest: parseManifest(JSON.parse(text), `models/${d.name}`) });
  }
  return found.sort((a, b) => a.folder.localeCompare(b.folder));
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** One row per model folder: what it is, its files, and where the Worker gets them. */
function modelsTable(models: { folder: string; manifest: ModelManifest }[], edge: EdgeModel[]): string {
  const rows = models.map(({ folder, manifest }) => {
    const files = (["reverse", "forward", "decode_step", "jacobi_step"] as const)
      .flatMap((kind) => {
        const f = manifest.files[kind];
        return f === undefined ? [] : [`\`${f.path}\` ${mib(f.bytes)}`];
      })
      .join(", ");
    const params = Object.entries(manifest.parameters)
      .map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`)
      .join(", ");
    const plan = edge.find((e) => e.folder === folder);
    const worker =
      plan === undefined
        ? "not placed on the edge or GPU"
        : [...plan.bundled.map((f) => `\`${f}\` bundled`), ...plan.inR2.map((f) => `\`${f}\` from R2`)].join(", ") ||
          "manifest only: the GPU pool serves it";
    return (
      `| [\`${folder}/\`](models/${folder}/README.md) | \`${manifest.version}\` | ${files} | ${params} | ` +
      `${manifest.placements.join(", ")} | ${worker} |`
    );
  });
  return [
    "| model (card) | version | files | parameters | placements | in the Worker |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

interface Captured {
  models: string;
  samples: string;
  head: string;
  encode: string;
}

/** The API examples, captured from a router process over models/ on a free port. */
async function capture(): Promise<Captured> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-readme-"));
  // Empty values: the embedded defaults (models/, no S3, no GPU pool), whatever the shell says.
  const router = await startRouter({
    MODELS_DIR: "",
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    PUBLIC_BASE_URL: "",
    S3_PRESIGN_SECONDS: "",
    GPU_BACKEND_URLS: "",
    LOG_LEVEL: "info", // the "listening" line startRouter waits for
  });
  const shown = (text: string) => text.replaceAll(router.url, DOCUMENTED_ORIGIN);
  const ok = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  try {
    const list = (await (await ok(await fetch(`${router.url}/v1/models`), "GET /v1/models")).json()) as {
      models: { id: string; classes: unknown[] }[];
    };
    if (!list.models.some((m) => m.id === EXAMPLE_MODEL)) {
      throw new Error(`the router over models/ does not serve ${EXAMPLE_MODEL}`);
    }
    // Classes shortened to the first one: the list is the manifest's, with index and slug.
    const models = {
      models: list.models.map((m) => ({ ...m, classes: [...m.classes.slice(0, 1), "..."] })),
    };

    const samplesRes = await fetch(`${router.url}/v1/samples`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: EXAMPLE_MODEL, n: 2, class: "sneaker", seed: 42 }),
    });
    const samples: unknown = await (await ok(samplesRes, "POST /v1/samples")).json();

    // As `curl -sIL` shows it: the unversioned URL's redirect, then the canonical URL's headers.
    // A fixed X-Request-Id (echoed back) keeps the block the same from one sync to the next.
    const headUrl = `${router.url}/v1/samples/${EXAMPLE_MODEL}/null/7.png`;
    const traced = { headers: { "x-request-id": "readme-example" } };
    const redirect = await fetch(headUrl, { method: "HEAD", redirect: "manual", ...traced });
    if (redirect.status !== 302) throw new Error(`HEAD ${headUrl} answered ${redirect.status}, not 302`);
    const head = await ok(
      await fetch(new URL(redirect.headers.get("location") ?? "", headUrl), { method: "HEAD", ...traced }),
      `HEAD ${headUrl} (redirected)`,
    );
    const headerLines = (response: Response) => {
      const lines: string[] = [];
      response.headers.forEach((value, name) => {
        if (!["date", "connection", "keep-alive"].includes(name)) lines.push(`${name}: ${value}`);
      });
      return lines;
    };

    const dressUrl = `${router.url}/v1/samples/${EXAMPLE_MODEL}/dress/8.png`;
    const dress = new Uint8Array(await (await ok(await fetch(dressUrl), `GET ${dressUrl}`)).arrayBuffer());
    const encodeRes = await fetch(`${router.url}/v1/encode?model=${EXAMPLE_MODEL}&class=dress`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: dress,
    });
    const encoded: unknown = await (await ok(encodeRes, "POST /v1/encode")).json();

    return {
      models: ["```json", shown(formatJson(models)), "```"].join("\n"),
      samples: ["```json", shown(formatJson(samples)), "```"].join("\n"),
      head: [
        "```text",
        "HTTP/1.1 302 Found",
        ...headerLines(redirect),
        "",
        `HTTP/1.1 ${head.status} OK`,
        ...headerLines(head),
        "```",
      ].join("\n"),
      encode: ["```json", formatJson(encoded), "```"].join("\n"),
    };
  } finally {
    await router.stop("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Replaces `blocks` in `file` and writes it back formatted; returns whether it changed. */
async function rewrite(file: string, blocks: Record<string, string>): Promise<boolean> {
  const before = await readFile(file, "utf8");
  let text = before;
  for (const [name, content] of Object.entries(blocks)) {
    text = replaceBlock(text, name, content, path.relative(ROOT, file));
  }
  text = await formatMarkdown(text, file);
  if (text !== before) await writeFile(file, text);
  return text !== before;
}

/** Rewrites the blocks; returns whether README.md or docs/usage.md changed. */
export async function writeReadmeExamples(modelsDir = path.join(ROOT, "models")): Promise<boolean> {
  const models = await manifests(modelsDir);
  const edge = await planEdgeModels(modelsDir, modelBudget(process.env));
  const examples = await capture();
  const readme = await rewrite(README, {
    "models-table": modelsTable(models, edge),
    "api-samples": examples.samples,
    "api-sample-head": examples.head,
    "api-encode": examples.encode,
  });
  const usage = await rewrite(USAGE_DOC, { "api-models": examples.models });
  return readme || usage;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeReadmeExamples().then(
    (changed) => process.stdout.write(`README.md and docs/usage.md examples ${changed ? "written" : "up to date"}\n`),
    (err: unknown) => {
      process.stderr.write(`readme-examples: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
