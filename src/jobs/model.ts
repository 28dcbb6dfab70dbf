// What a job is once accepted: its immutable spec (stored as spec.json), the images it
// names in order, and how those images split into chunks (the unit of work and of redo).
//
// Image order: class by class, in the order the request listed the classes. With `count`
// (spread evenly: the first count mod K classes get one more) image i has seed
// (seed + i) mod 2^32; with `seeds: {from, to}` every class gets each seed from..to.

import type { SamplerSpec } from "../samples/canonical.js";

export const JOB_STATES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
export type TerminalState = Extract<JobState, "succeeded" | "failed" | "cancelled">;

export type JobSeeds = { kind: "count"; count: number; seed: number } | { kind: "seeds"; from: number; to: number };

export interface JobOutputs {
  tar: boolean;
  npz: boolean;
}

export interface JobSpec {
  schema: 1;
  id: string;
  /** Who may see and cancel it: `key:<digest prefix>` or `deployment` when keys are off. */
  owner: string;
  /** The origin the job was created on: manifest URLs point there. */
  origin: string;
  createdAt: number;
  expiresAt: number;
  model: string;
  version: string;
  sampler: SamplerSpec;
  guidance: number;
  /** Resolved class indices (null: unconditional), in image order. */
  classes: (number | null)[];
  seeds: JobSeeds;
  imagesTotal: number;
  chunkSize: number;
  outputs: JobOutputs;
  webhook: { url: string; secret: string } | null;
}

export interface JobImage {
  index: number;
  classIndex: number | null;
  seed: number;
}

export interface JobChunk {
  /** Chunk number, 0-based. */
  chunk: number;
  classIndex: number | null;
  /** Index (in job order) of the chunk's first image. */
  firstIndex: number;
  seeds: number[];
}

const UINT32 = 2 ** 32;

/** Images per class, in class order. */
export function classCounts(spec: Pick<JobSpec, "classes" | "seeds">): number[] {
  const k = spec.classes.length;
  const { seeds } = spec;
  if (seeds.kind === "seeds") return spec.classes.map(() => seeds.to - seeds.from + 1);
  const { count } = seeds;
  return spec.classes.map((_, j) => Math.floor(count / k) + (j < count % k ? 1 : 0));
}

export function totalImages(spec: Pick<JobSpec, "classes" | "seeds">): number {
  return classCounts(spec).reduce((a, b) => a + b, 0);
}

/** Seed of the t-th image of class j, whose job index is `index`. */
function seedOf(seeds: JobSeeds, index: number, t: number): number {
  return seeds.kind === "count" ? (seeds.seed + index) % UINT32 : seeds.from + t;
}

export function chunkCount(spec: Pick<JobSpec, "classes" | "seeds" | "chunkSize">): number {
  return classCounts(spec).reduce((sum, n) => sum + Math.ceil(n / spec.chunkSize), 0);
}

/** Chunk `k`: chunks never span two classes (one class input per model run). */
export function chunkAt(spec: Pick<JobSpec, "classes" | "seeds" | "chunkSize">, k: number): JobChunk | undefined {
  const counts = classCounts(spec);
  let chunkBase = 0;
  let indexBase = 0;
  for (const [j, n] of counts.entries()) {
    const chunks = Math.ceil(n / spec.chunkSize);
    if (k < chunkBase + chunks) {
      const start = (k - chunkBase) * spec.chunkSize;
      const size = Math.min(spec.chunkSize, n - start);
      const firstIndex = indexBase + start;
      const seeds = Array.from({ length: size }, (_, t) => seedOf(spec.seeds, firstIndex + t, start + t));
      return { chunk: k, classIndex: spec.classes[j] ?? null, firstIndex, seeds };
    }
    chunkBase += chunks;
    indexBase += n;
  }
  return undefined;
}

/** Every image of the job, in order (lazily: a job may name a million). */
export function* jobImages(spec: Pick<JobSpec, "classes" | "seeds" | "chunkSize">): Generator<JobImage> {
  const total = chunkCount(spec);
  for (let k = 0; k < total; k++) {
    const chunk = chunkAt(spec, k);
    if (chunk === undefined) return;
    for (const [t, seed] of chunk.seeds.entries()) {
      yield { index: chunk.firstIndex + t, classIndex: chunk.classIndex, seed };
    }
  }
}
