// F's exact inverse through decode_step.onnx: TARFlow-style causal decoding, token by token
// with a KV cache, block after block: the baseline BiFlow's one pass replaces (issue 12).
// The algorithm is the one the manifest states in files.decode_step.decoding.algorithm.

import { floatFeed, int64Feed, output, type ExactDecoding, type RunStep, type StepOutput } from "./step.js";
import { patchify, unpatchify, type ImageShape } from "./tokens.js";

export interface InverseInputs {
  /** Noise [N,C,H,W] (src/noise, one seed per image). */
  z: Float32Array;
  /** The class input of each image (an index, or the manifest's null_class). */
  classes: readonly number[];
  /** Canonical guidance of each image. */
  guidance: readonly number[];
  nullClass: number;
  image: ImageShape;
  /** The blocks to invert, in order; absent: all, last to first (the whole inverse). One block alone is for tests and per-block measurements. */
  blocks?: readonly number[];
}

/** The blocks an inverse runs through: F's, last to first, unless the input names some. */
export function inversionOrder(input: InverseInputs, blocks: number): readonly number[] {
  return input.blocks ?? Array.from({ length: blocks }, (_, i) => blocks - 1 - i);
}

/**
 * Noise z [N,C,H,W] -> the (noisy) image F^-1(z) by causal decoding. With guidance w != 0
 * each step's parameters are (1+w)·p(.|class) - w·p(.|null) (TARFlow's classifier-free
 * guidance): when any image is guided, the conditional and unconditional rows run as one
 * batch of 2N (an unguided image's w = 0 makes its unconditional row drop out exactly).
 * Each step feeds back the caches it got, without copying them.
 */
export async function exactInverse(run: RunStep, input: InverseInputs, exact: ExactDecoding): Promise<Float32Array> {
  const { decoding: dec, cache } = exact;
  const n = input.classes.length;
  const guided = input.guidance.some((w) => w !== 0);
  const rows = guided ? 2 * n : n;
  const { tokens: T, token_dim: D } = dec;
  let s = patchify(input.z, n, input.image, dec.patch);
  const klass = int64Feed(guided ? [...input.classes, ...input.classes.map(() => input.nullClass)] : input.classes);
  const cacheDims = [cache.layers, rows, cache.heads, T, cache.headDim];
  const cacheSize = cacheDims.reduce((a, b) => a * b, 1);
  // token index t of the block's order -> canonical index
  const at = (order: string, t: number) => (order === "reversed" ? T - 1 - t : t);
  for (const b of inversionOrder(input, dec.blocks)) {
    const order = dec.block_token_order[b] ?? "canonical";
    const x = new Float32Array(s.length);
    const first = at(order, 0);
    for (let i = 0; i < n; i++) x.set(s.subarray((i * T + first) * D, (i * T + first + 1) * D), (i * T + first) * D);
    let k: StepOutput = { data: new Float32Array(cacheSize), dims: cacheDims };
    let v: StepOutput = { data: new Float32Array(cacheSize), dims: cacheDims };
    const token = new Float32Array(rows * D);
    for (let t = 1; t < T; t++) {
      const prev = at(order, t - 1);
      for (let i = 0; i < n; i++) token.set(x.subarray((i * T + prev) * D, (i * T + prev + 1) * D), i * D);
      if (guided) token.copyWithin(n * D, 0, n * D);
      const out = await run({
        block: int64Feed([b], []),
        position: int64Feed([t - 1], []),
        token: floatFeed(token, [rows, D]),
        class: klass,
        k_cache: floatFeed(k.data, k.dims),
        v_cache: floatFeed(v.data, v.dims),
      });
      const mu = output(out, "mu").data;
      const logScale = output(out, "log_scale").data;
      k = output(out, "k_cache_out");
      v = output(out, "v_cache_out");
      const cur = at(order, t);
      for (let i = 0; i < n; i++) {
        const w = input.guidance[i] ?? 0;
        for (let j = 0; j < D; j++) {
          const idx = (i * T + cur) * D + j;
          const c = i * D + j;
          const u = (n + i) * D + j; // the unconditional row, when guided
          const m = guided ? (1 + w) * (mu[c] ?? 0) - w * (mu[u] ?? 0) : (mu[c] ?? 0);
          const ls = guided ? (1 + w) * (logScale[c] ?? 0) - w * (logScale[u] ?? 0) : (logScale[c] ?? 0);
          x[idx] = (s[idx] ?? 0) * Math.exp(ls) + m;
        }
      }
    }
    s = x;
  }
  return unpatchify(s, n, input.image, dec.patch);
}
