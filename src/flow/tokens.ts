// Images <-> patch tokens, the layout F works in (docs/MODEL-CONTRACT.md, files.decode_step):
// row-major patches, each token's values in (channel, row, column) order.

export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

/**
 * Calls visit(pixel, token) for every value of an [N,C,H,W] image batch, with its offset in
 * the [N,T,D] token layout.
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
