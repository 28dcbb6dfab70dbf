// `npm run bench`'s sampler rows (issue 16): time per image at batch 1 on onnxruntime-node
// (one thread, the model's default guidance) for G, Jacobi at K = 1, 2, 4, 8 and the default
// schedule, and exact, each beside its measured quality (scripts/lib/sampler-quality.ts), and
// the quality-against-time chart.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT } from "../../tests/helpers/fixtures.js";
import { pointLabel, qualityChartSvg, type QualityPoint } from "../lib/quality-chart.js";
import { isComplete, qualityFromManifest, qualityFromSamplersDoc, type QualityTable } from "../lib/sampler-quality.js";
import { msPerImageBatch1, nodeSamplers, samplerFileName, TABLE_SAMPLERS } from "../lib/samplers-node.js";
import { THREADS } from "./kernels.js";
import { round } from "./stats.js";

export interface SamplerRow {
  sampler: string;
  label: string;
  /** Jacobi: iterations per block (block 0 first); null for G and exact. */
  iterations: number[] | null;
  block_updates: number | null;
  ms_per_image: number;
  /** Exact's time over this one's. */
  vs_exact: number;
  class_accuracy: number | null;
  fld: number | null;
  diversity: number | null;
}

function label(name: string, schedule: number[] | undefined): string {
  if (name === "g") return "G, one pass";
  if (name === "exact") return "exact";
  if (name === "jacobi:default") return `Jacobi default [${schedule?.join(",") ?? ""}]`;
  return `Jacobi K = ${name.slice("jacobi:".length)}`;
}

export async function samplerRows(modelDir: string) {
  const samplers = await nodeSamplers(modelDir, THREADS);
  const quality: QualityTable | undefined = [
    qualityFromManifest(samplers.manifest),
    qualityFromSamplersDoc(await readFile(path.join(ROOT, "docs", "samplers.md"), "utf8")),
  ].find(isComplete);
  const times = new Map<string, number>();
  for (const name of TABLE_SAMPLERS) {
    times.set(name, await msPerImageBatch1(samplers, name));
    process.stderr.write(`bench: ${name}: ${round(times.get(name) ?? NaN, 3)} ms/image at batch 1\n`);
  }
  await samplers.release();
  const exactMs = times.get("exact") ?? NaN;
  const rows: SamplerRow[] = TABLE_SAMPLERS.map((name) => {
    const schedule = samplers.schedule(name);
    const q = quality?.rows[samplerFileName(name)];
    const ms = times.get(name) ?? NaN;
    return {
      sampler: name,
      label: label(name, schedule),
      iterations: schedule ?? null,
      block_updates: schedule === undefined ? null : schedule.reduce((a, b) => a + b, 0),
      ms_per_image: round(ms, 3),
      vs_exact: round(exactMs / ms, 1),
      class_accuracy: q?.class_accuracy ?? null,
      fld: q?.fld ?? null,
      diversity: q?.diversity ?? null,
    };
  });
  return {
    batch: 1,
    threads: THREADS,
    guidance: samplers.guidance,
    rows,
    quality_source: quality?.source ?? null,
    quality_samples: quality?.samples ?? null,
    note: "time: median of 15 single-image runs after a warm-up (scripts/lib/samplers-node.ts); quality: test split, measured separately (quality_source)",
  };
}

export type SamplerTable = Awaited<ReturnType<typeof samplerRows>>;

export function samplerMarkdown(table: SamplerTable): string[] {
  const f = (v: number | null, digits: number) => (v === null ? "-" : v.toFixed(digits));
  return [
    `| sampler | block updates | ms/image, batch 1 | vs exact | class accuracy | FLD | diversity |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...table.rows.map(
      (r) =>
        `| ${r.label} | ${r.block_updates ?? "-"} | ${r.ms_per_image} | ${r.vs_exact}x | ${f(r.class_accuracy, 3)} | ${f(r.fld, 1)} | ${f(r.diversity, 3)} |`,
    ),
    "",
    `Quality: ${table.quality_source ?? "none measured"}${table.quality_samples === null ? "" : `, ${table.quality_samples} samples per sampler`}; time: this run, onnxruntime-node CPU, ${table.threads} thread, guidance ${table.guidance}.`,
  ];
}

export function samplerChart(table: SamplerTable, model: string): string | undefined {
  const points: QualityPoint[] = [];
  for (const r of table.rows) {
    if (r.fld === null || r.class_accuracy === null) return undefined;
    points.push({
      label: pointLabel(r.sampler),
      msPerImage: r.ms_per_image,
      fld: r.fld,
      accuracy: r.class_accuracy,
    });
  }
  return qualityChartSvg(
    points,
    model,
    `time: onnxruntime-node CPU, ${table.threads} thread, batch 1, w = ${table.guidance}; quality: ${table.quality_samples ?? "?"} samples per sampler, test split`,
  );
}
