// Where the samplers' quality figures live (issue 16), read for the benchmark's table and
// chart: the model evaluation's `jacobi` part in manifest.json (models/train/evaluate.py
// --parts jacobi: G, Jacobi K = 1, 2, 4, 8, the default schedule and exact, scored on the
// same noise), or, for a model evaluated before that part existed, the measured table in
// docs/samplers.md ("Quality and cost").

import { z } from "zod";
import type { ModelManifest } from "../../src/models/manifest.js";
import { samplerFileName, TABLE_SAMPLERS } from "./samplers-node.js";

export interface SamplerQuality {
  class_accuracy: number;
  fld: number;
  diversity: number | null;
}

export interface QualityTable {
  /** Where the figures come from, for the reader. */
  source: string;
  samples: number;
  /** By sampler file name (samplerFileName: `g`, `jacobi-4`, `jacobi-default`, `exact`). */
  rows: Record<string, SamplerQuality>;
}

const Scores = z.looseObject({ class_accuracy: z.number(), fld: z.number(), diversity: z.number().nullable() });
const JacobiMetrics = z.looseObject({
  samples: z.number().int(),
  guidance: z.number(),
  by_sampler: z.record(z.string(), Scores),
});

/** The evaluation's figures (test split), when the manifest has the `jacobi` part. */
export function qualityFromManifest(manifest: ModelManifest): QualityTable | undefined {
  const parsed = JacobiMetrics.safeParse(manifest.metrics["jacobi"]);
  if (!parsed.success) return undefined;
  const rows: Record<string, SamplerQuality> = {};
  for (const [name, s] of Object.entries(parsed.data.by_sampler)) {
    rows[name] = { class_accuracy: s.class_accuracy, fld: s.fld, diversity: s.diversity };
  }
  return {
    source: `${manifest.id}@${manifest.version} manifest.json metrics.jacobi (models/train/evaluate.py, test split, w = ${parsed.data.guidance})`,
    samples: parsed.data.samples,
    rows,
  };
}

/** The row label of docs/samplers.md's table -> the sampler file name. */
function rowName(label: string): string | undefined {
  const k = /Jacobi K = (\d+)/.exec(label);
  if (k?.[1] !== undefined) return samplerFileName(`jacobi:${k[1]}`);
  if (label.includes("Jacobi default")) return samplerFileName("jacobi:default");
  if (label.startsWith("G")) return "g";
  if (label.startsWith("exact")) return "exact";
  return undefined;
}

/** docs/samplers.md's "Quality and cost" table, read by its column names. */
export function qualityFromSamplersDoc(markdown: string): QualityTable | undefined {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Quality and cost"));
  if (section === undefined) return undefined;
  const table = section.split("\n").filter((line) => line.startsWith("|"));
  const cells = (line: string) =>
    line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim().replaceAll("*", ""));
  const header = cells(table[0] ?? "");
  const col = (name: string) => header.indexOf(name);
  const [acc, fld, div] = [col("class accuracy"), col("FLD"), col("diversity")];
  if (acc < 0 || fld < 0 || div < 0) return undefined;
  const rows: Record<string, SamplerQuality> = {};
  for (const line of table.slice(2)) {
    const row = cells(line);
    const name = rowName(row[0] ?? "");
    if (name === undefined) continue;
    rows[name] = { class_accuracy: Number(row[acc]), fld: Number(row[fld]), diversity: Number(row[div]) };
  }
  const samples = Number(/on (\d[\d,]*) samples per\s+sampler/.exec(section)?.[1]?.replaceAll(",", "") ?? NaN);
  return { source: "docs/samplers.md, Quality and cost (test split)", samples, rows };
}

/** Every sampler of the table has figures. */
export function isComplete(table: QualityTable | undefined): table is QualityTable {
  return table !== undefined && TABLE_SAMPLERS.every((name) => table.rows[samplerFileName(name)] !== undefined);
}
