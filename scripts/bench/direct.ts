// Model-only throughput at one batch size, in-process through the backend's own
// onnxruntime-node module (no HTTP, no PNG), and the raw inputs and output handed to the
// PyTorch eager run so both measure the same network on the same numbers.

import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createSession, floatTensor, int64Tensor, runForFloat } from "../../engine/onnx/session.js";
import type { ExecutionProvider } from "../../engine/onnx/providers.js";
import type { ModelManifest } from "../../src/models/manifest.js";
import { fillStandardNormal } from "../../src/noise/gaussian.js";
import { median } from "./stats.js";

export interface DirectModel {
  reverse: Uint8Array;
  manifest: ModelManifest;
}

export interface DirectBench {
  /** Seconds per batch of each timed run. */
  measure(iterations: number): Promise<number[]>;
  provider: string;
}

/** A session plus fixed inputs of `batch` images; writes z, class, guidance, image to `dir`. */
export async function directBench(
  model: DirectModel,
  batch: number,
  providers: ExecutionProvider[],
  threads: number,
  dir: string,
): Promise<DirectBench> {
  const { channels, height, width } = model.manifest.image;
  const size = channels * height * width;
  const z = new Float32Array(batch * size);
  for (let i = 0; i < batch; i++) fillStandardNormal(z, 90_000 + i, i * size, size);
  const classes = BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % (model.manifest.null_class + 1)));
  const guidance = Float32Array.from({ length: batch }, (_, i) => (i % 4) * 0.5);
  const dims = [batch, channels, height, width];
  const feeds = () => ({
    z: floatTensor(z, dims),
    class: int64Tensor(classes, [batch]),
    guidance: floatTensor(guidance, [batch]),
  });
  const created = await createSession(model.reverse, { providers, intraOpThreads: threads }, async (s) => {
    await runForFloat(s, feeds(), "image", dims);
  });
  const image = await runForFloat(created.session, feeds(), "image", dims);
  const bytes = (a: Float32Array | BigInt64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  await writeFile(path.join(dir, "z.f32"), bytes(z));
  await writeFile(path.join(dir, "class.i64"), bytes(classes));
  await writeFile(path.join(dir, "guidance.f32"), bytes(guidance));
  await writeFile(path.join(dir, "image.f32"), bytes(image));
  return {
    provider: created.provider,
    async measure(iterations) {
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const started = performance.now();
        await runForFloat(created.session, feeds(), "image", dims);
        times.push((performance.now() - started) / 1000);
      }
      return times;
    },
  };
}

export function imagesPerSecond(batch: number, secondsPerBatch: readonly number[]): number {
  return batch / median(secondsPerBatch);
}
