// F's exact inverse run through decode_step.onnx: TARFlow-style causal decoding, token by
// token with a KV cache, block after block — the baseline BiFlow's one pass replaces.
// The algorithm is the one the manifest states in files.decode_step.decoding.

import type * as ort from "onnxruntime-node";
import { float32, int64, outputData } from "./onnx-node.js";

export interface Decoding {
  patch: number;
  tokens: number;
  token_dim: number;
  blocks: number;
  block_token_order: ("canonical" | "reversed")[];
}

export interface CacheShape {
  layers: number;
  heads: number;
  headDim: number;
}

interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

/**
 * Calls visit(pixel, token) for every value of an [N,C,H,W] image batch, with its offset in
 * the [N,T,D] token layout: row-major patches, each token's values in (c, row, col) order.
 */
function forEachPatchValue(
  n: number,
  s: ImageShape,
  patch: number,
  visit: (pixel: number, token: number) => void,
): void {
  const gw = s.width / patch;
  const d = s.channels * patch * patch;
  const t = (s.height / patch) * gw;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < s.channels; c++)
      for (let y = 0; y < s.height; y++)
        for (let x = 0; x < s.width; x++) {
          const token = Math.floor(y / patch) * gw + Math.floor(x / patch);
          const k = (c * patch + (y % patch)) * patch + (x % patch);
          visit(((i * s.channels + c) * s.height + y) * s.width + x, (i * t + token) * d + k);
        }
}

/** [N,C,H,W] -> [N,T,D]. */
export function patchify(x: Float32Array, n: number, s: ImageShape, patch: number): Float32Array {
  const out = new Float32Array(x.length);
  forEachPatchValue(n, s, patch, (pixel, token) => (out[token] = x[pixel] ?? 0));
  return out;
}

/** [N,T,D] -> [N,C,H,W]. */
export function unpatchify(tokens: Float32Array, n: number, s: ImageShape, patch: number): Float32Array {
  const out = new Float32Array(tokens.length);
  forEachPatchValue(n, s, patch, (pixel, token) => (out[pixel] = tokens[token] ?? 0));
  return out;
}

/**
 * Noise z [N,C,H,W] -> the (noisy) image F^-1(z) by causal decoding. With guidance w != 0
 * each step's parameters are (1+w)·p(.|class) - w·p(.|null) (TARFlow's classifier-free
 * guidance): the conditional and unconditional rows run as one batch of 2N.
 */
export async function exactInverse(
  session: ort.InferenceSession,
  z: Float32Array,
  classes: readonly number[],
  image: ImageShape,
  dec: Decoding,
  cache: CacheShape,
  guidance = { w: 0, nullClass: 0 },
): Promise<Float32Array> {
  const n = classes.length;
  const guided = guidance.w !== 0;
  const rows = guided ? 2 * n : n;
  const { tokens: T, token_dim: D } = dec;
  let s = patchify(z, n, image, dec.patch);
  const klass = int64(guided ? [...classes, ...classes.map(() => guidance.nullClass)] : classes);
  const cacheDims = [cache.layers, rows, cache.heads, T, cache.headDim];
  const cacheSize = cacheDims.reduce((a, b) => a * b, 1);
  // token index t of the block's order -> canonical index
  const at = (order: string, t: number) => (order === "reversed" ? T - 1 - t : t);
  for (let b = dec.blocks - 1; b >= 0; b--) {
    const order = dec.block_token_order[b] ?? "canonical";
    const x = new Float32Array(s.length);
    for (let i = 0; i < n; i++)
      x.set(s.subarray((i * T + at(order, 0)) * D, (i * T + at(order, 0) + 1) * D), (i * T + at(order, 0)) * D);
    let k = float32(new Float32Array(cacheSize), cacheDims);
    let v = float32(new Float32Array(cacheSize), cacheDims);
    const token = new Float32Array(rows * D);
    for (let t = 1; t < T; t++) {
      const prev = at(order, t - 1);
      for (let i = 0; i < n; i++) token.set(x.subarray((i * T + prev) * D, (i * T + prev + 1) * D), i * D);
      if (guided) token.copyWithin(n * D, 0, n * D);
      const out = await session.run({
        block: int64([b], []),
        position: int64([t - 1], []),
        token: float32(token, [rows, D]),
        class: klass,
        k_cache: k,
        v_cache: v,
      });
      const mu = outputData(out, "mu");
      const logScale = outputData(out, "log_scale");
      const kOut = out["k_cache_out"];
      const vOut = out["v_cache_out"];
      if (kOut === undefined || vOut === undefined) throw new Error("decode_step returned no caches");
      k = kOut;
      v = vOut;
      const cur = at(order, t);
      const w = guidance.w;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < D; j++) {
          const idx = (i * T + cur) * D + j;
          const c = i * D + j;
          const u = (n + i) * D + j; // the unconditional row, when guided
          const m = guided ? (1 + w) * (mu[c] ?? 0) - w * (mu[u] ?? 0) : (mu[c] ?? 0);
          const ls = guided ? (1 + w) * (logScale[c] ?? 0) - w * (logScale[u] ?? 0) : (logScale[c] ?? 0);
          x[idx] = (s[idx] ?? 0) * Math.exp(ls) + m;
        }
    }
    s = x;
  }
  return unpatchify(s, n, image, dec.patch);
}
