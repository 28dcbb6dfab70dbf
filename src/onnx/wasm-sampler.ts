// The in-process sampler: onnxruntime-web on WASM runs the model's reverse.onnx (BiFlow's
// 1-NFE generator G) once per batch, then encodes each image as PNG.

import type { SamplerKind } from "../flow/samplers.js";
import type { ModelEntry } from "../models/registry.js";
import { reverseInputs, type ReverseInputs } from "../models/reverse-inputs.js";
import { encodePng } from "../png/encode.js";
import { tensorImageToRaster } from "../png/tensor.js";
import type { SampleBatch, SampledImage, Sampler, SamplerHealth } from "../sampler.js";
import type { OrtRuntime } from "./runtime.js";

export interface WasmSamplerOptions {
  runtime: OrtRuntime;
  /** Largest batch this sampler takes (the API allows 64). */
  maxBatch?: number;
}

export class ModelContractError extends Error {
  override readonly name = "ModelContractError";
}

const REVERSE_INPUTS = ["z", "class", "guidance"] as const;

async function reverseSession(runtime: OrtRuntime, model: ModelEntry) {
  const session = await runtime.session(`${model.ref}/reverse`, () => model.loadFile("reverse"));
  const missing = REVERSE_INPUTS.filter((name) => !session.inputNames.includes(name));
  if (missing.length > 0 || !session.outputNames.includes("image")) {
    throw new ModelContractError(
      `${model.ref} reverse.onnx must take z, class, guidance and give image; it takes ${session.inputNames.join(", ")}`,
    );
  }
  return session;
}

/** Runs reverse.onnx on WASM: G's images [n,C,H,W] for these feeds (the one run WasmSampler and WasmDecoder share). */
export async function runReverse(
  runtime: OrtRuntime,
  model: ModelEntry,
  inputs: ReverseInputs,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const { dims } = inputs;
  const n = dims[0];
  const session = await reverseSession(runtime, model);
  const outputs = await runtime.run(
    session,
    {
      z: runtime.tensor("float32", inputs.z, dims),
      class: runtime.tensor("int64", inputs.classes, [n]),
      guidance: runtime.tensor("float32", inputs.guidance, [n]),
    },
    signal,
  );
  const image = outputs.image;
  if (image === undefined || image.type !== "float32" || image.dims.join() !== dims.join()) {
    throw new ModelContractError(`${model.ref} reverse.onnx returned no float32 image of shape [${dims.join(", ")}]`);
  }
  return image.data as Float32Array;
}

export class WasmSampler implements Sampler {
  readonly name = "wasm";
  private readonly runtime: OrtRuntime;
  private readonly maxBatch: number;

  constructor(options: WasmSamplerOptions) {
    this.runtime = options.runtime;
    this.maxBatch = options.maxBatch ?? 64;
  }

  /**
   * Models placed on the edge, in batches up to maxBatch, G's one pass only: F's inverses
   * would not fit an isolate's CPU budget (docs/samplers.md), so exact and Jacobi go elsewhere.
   */
  accepts(model: ModelEntry, count: number, kind: SamplerKind = "g"): boolean {
    return (
      kind === "g" && model.manifest.placements.includes("edge") && model.hasFile("reverse") && count <= this.maxBatch
    );
  }

  /** Creates the sessions of these models now, so the first request does not pay for it. */
  async warmUp(models: readonly ModelEntry[]): Promise<void> {
    for (const model of models) if (this.accepts(model, 1)) await reverseSession(this.runtime, model);
  }

  async sample(batch: SampleBatch): Promise<SampledImage[]> {
    const { model, seeds } = batch;
    const inputs = reverseInputs(model.manifest.image, seeds, batch.classInput, batch.guidance);
    const data = await runReverse(this.runtime, model, inputs, batch.signal);
    return Promise.all(
      seeds.map(async (seed, i) => ({
        seed,
        png: await encodePng(tensorImageToRaster(data, i, model.manifest.image)),
      })),
    );
  }

  health(): Promise<SamplerHealth> {
    const { state } = this.runtime;
    // "idle" is healthy: sessions are created lazily where nothing warmed them up.
    const ok = state !== "failed";
    const detail = ok
      ? `onnxruntime-web ${state}, ${this.runtime.sessionCount} session(s)`
      : `onnxruntime-web failed: ${this.runtime.error ?? "unknown error"}`;
    return Promise.resolve({ ok, detail });
  }
}
