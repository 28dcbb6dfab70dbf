// What F's inverse needs from a model file and from a runtime: the decoding description in
// the manifest (files.decode_step / files.jacobi_step) and one "run this graph" function, so
// onnxruntime-node (engine, scripts) and onnxruntime-web (Worker, browser) share the algorithms.

import { z } from "zod";
import type { ModelManifest } from "../models/manifest.js";

export type StepTensor =
  | { type: "float32"; data: Float32Array; dims: readonly number[] }
  | { type: "int64"; data: BigInt64Array; dims: readonly number[] };

export interface StepOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** Runs one ONNX graph (decode_step or jacobi_step) on named feeds; float32 outputs by name. */
export type RunStep = (feeds: Record<string, StepTensor>) => Promise<Record<string, StepOutput>>;

const DecodingSchema = z.looseObject({
  patch: z.number().int().min(1),
  tokens: z.number().int().min(2),
  token_dim: z.number().int().min(1),
  blocks: z.number().int().min(1),
  block_token_order: z.array(z.enum(["canonical", "reversed"])),
});

export type Decoding = z.infer<typeof DecodingSchema>;

export interface CacheShape {
  layers: number;
  heads: number;
  headDim: number;
}

export interface ExactDecoding {
  decoding: Decoding;
  cache: CacheShape;
}

/** The exact decoder's description, or undefined when the model has no usable decode_step. */
export function exactDecoding(manifest: ModelManifest): ExactDecoding | undefined {
  const spec = manifest.files.decode_step;
  const decoding = DecodingSchema.safeParse(spec?.["decoding"]);
  const cacheSpec = spec?.inputs?.find((i) => i.name === "k_cache");
  if (!decoding.success || cacheSpec === undefined) return undefined;
  const [layers, , heads, , headDim] = cacheSpec.shape.map(Number);
  if (!Number.isInteger(layers) || !Number.isInteger(heads) || !Number.isInteger(headDim)) return undefined;
  return { decoding: decoding.data, cache: { layers: layers ?? 0, heads: heads ?? 0, headDim: headDim ?? 0 } };
}

/** The Jacobi step's description, or undefined when the model has no jacobi_step. */
/** Parsed once per manifest: image costs ask for it on every sample request. */
const decodings = new WeakMap<ModelManifest, Decoding | null>();

export function jacobiDecoding(manifest: ModelManifest): Decoding | undefined {
  let decoding = decodings.get(manifest);
  if (decoding === undefined) {
    const parsed = DecodingSchema.safeParse(manifest.files.jacobi_step?.["decoding"]);
    decoding = parsed.success ? parsed.data : null;
    decodings.set(manifest, decoding);
  }
  return decoding ?? undefined;
}

export function int64Feed(values: readonly number[], dims: readonly number[] = [values.length]): StepTensor {
  return { type: "int64", data: BigInt64Array.from(values, (v) => BigInt(v)), dims };
}

export function floatFeed(data: Float32Array, dims: readonly number[]): StepTensor {
  return { type: "float32", data, dims };
}

/** A named float output, or an error naming what came back. */
export function output(out: Record<string, StepOutput>, name: string): StepOutput {
  const t = out[name];
  if (t === undefined) throw new Error(`output ${name} missing (outputs: ${Object.keys(out).join(", ")})`);
  return t;
}
