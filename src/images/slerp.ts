// Spherical interpolation between two noises (Shoemake 1985; the usual path between
// Gaussian latents, which keeps the interpolants' norm near the typical shell).

/**
 * `frames` points from a to b: frame i at t = i / (frames - 1), sin((1-t)θ)/sin θ · a +
 * sin(tθ)/sin θ · b with θ the angle between them; linear when they are (anti)parallel.
 * Frame 0 is exactly a and the last exactly b.
 */
export function slerpFrames(a: Float32Array, b: Float32Array, frames: number): Float32Array {
  if (a.length !== b.length) throw new RangeError(`slerp of ${a.length} and ${b.length} values`);
  if (!Number.isInteger(frames) || frames < 2) throw new RangeError(`slerp needs at least 2 frames, got ${frames}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)));
  const theta = Math.acos(cos);
  const sin = Math.sin(theta);
  const size = a.length;
  const out = new Float32Array(frames * size);
  for (let f = 0; f < frames; f++) {
    const t = f / (frames - 1);
    const wa = sin < 1e-6 || !Number.isFinite(cos) ? 1 - t : Math.sin((1 - t) * theta) / sin;
    const wb = sin < 1e-6 || !Number.isFinite(cos) ? t : Math.sin(t * theta) / sin;
    for (let i = 0; i < size; i++) out[f * size + i] = wa * (a[i] ?? 0) + wb * (b[i] ?? 0);
  }
  return out;
}
