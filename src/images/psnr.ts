// Peak signal-to-noise ratio of two 8-bit images of one shape: 10 log10(255^2 / MSE), the
// measure of the model card's reconstruction figure (pixels on [0,1], each image's own PSNR).

/** PSNR in dB, capped at 100 dB (identical images have none), as models/train/evaluate.py clamps it. */
export function psnrDb(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`PSNR of ${a.length} and ${b.length} samples`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = ((a[i] ?? 0) - (b[i] ?? 0)) / 255;
    sum += d * d;
  }
  return 10 * Math.log10(1 / Math.max(sum / a.length, 1e-10));
}
