// Noise on the wire (contract 3): float32 values as base64 of their little-endian bytes,
// written through a DataView so the byte order is the contract's on any host.

import { fromBase64, toBase64 } from "../bytes.js";

export function noiseToWire(noise: Float32Array): string {
  const bytes = new Uint8Array(noise.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < noise.length; i++) view.setFloat32(i * 4, noise[i] ?? 0, true);
  return toBase64(bytes);
}

/** The values of `text`, or undefined unless it holds exactly `count` finite float32 values. */
export function noiseFromWire(text: string, count: number): Float32Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text);
  } catch {
    return undefined;
  }
  if (bytes.length !== count * 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const noise = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v)) return undefined;
    noise[i] = v;
  }
  return noise;
}

/** Base64 characters of `values` float32 values: what a request's body grows by. */
export function wireNoiseLength(values: number): number {
  return Math.ceil((values * 4) / 3) * 4;
}
