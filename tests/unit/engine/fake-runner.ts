// A BatchRunner whose batches complete only when the test says so, recording each batch,
// so the batcher's decisions (what ran together, when) can be checked exactly.

import type { BatchOutput, BatchRun, BatchRunner } from "../../../engine/onnx/worker-pool.js";

export class FakeRunner implements BatchRunner {
  readonly batches: BatchRun[] = [];
  private readonly pending: { resolve: (o: BatchOutput) => void; reject: (e: Error) => void; batch: BatchRun }[] = [];
  onIdle: () => void = () => undefined;

  constructor(private readonly workers = 1) {}

  idle(): number {
    return this.workers - this.pending.length;
  }

  run(batch: BatchRun): Promise<BatchOutput> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, batch }));
  }

  /** Completes the oldest running batch: image i's PNG is [seed & 0xff, class, guidance*100]. */
  finish(inferenceMs = 10): void {
    const job = this.pending.shift();
    if (job === undefined) throw new Error("no batch running");
    const pngs = job.batch.seeds.map(
      (seed, i) =>
        new Uint8Array([seed & 0xff, job.batch.classes[i] ?? 0, Math.round((job.batch.guidance[i] ?? 0) * 100)]),
    );
    job.resolve({ pngs, inferenceMs, encodeMs: 1 });
    this.onIdle();
  }

  fail(message: string): void {
    const job = this.pending.shift();
    if (job === undefined) throw new Error("no batch running");
    job.reject(new Error(message));
    this.onIdle();
  }
}
