// Figures of the reliability suites, merged into artifacts/reliability.json (one key per
// suite), and the small statistics they report.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ROOT } from "./fixtures.js";

const FILE = path.join(ROOT, "artifacts", "reliability.json");

export async function recordFigures(suite: string, figures: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(FILE), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(FILE, "utf8")) as Record<string, unknown>;
  } catch {
    // first suite of the run
  }
  all[suite] = { ...figures, recorded_at: new Date().toISOString() };
  await writeFile(FILE, `${JSON.stringify(all, null, 2)}\n`);
}

/** Nearest-rank percentile p (0..1). */
export function p(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** Resident memory of a process in MiB, from /proc (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}
