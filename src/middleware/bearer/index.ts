// Bearer tokens (RFC 6750) for API keys and the metrics token: reading the header, and
// comparing secrets by their SHA-256 in constant time so timing reveals nothing.

import { toHex } from "../../bytes.js";

const utf8 = new TextEncoder();

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header ?? "");
  return match?.[1];
}

export async function sha256Bytes(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

export async function sha256HexOf(text: string): Promise<string> {
  return toHex(await sha256Bytes(text));
}

/**
 * Equal lengths and bytes, in time that depends on the length only: every byte is read
 * whatever the first difference (the inputs here are fixed-length digests).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The index of the digest that `token` hashes to, comparing with every digest (no early exit). */
export async function matchDigest(token: string, digests: readonly Uint8Array[]): Promise<number | undefined> {
  const digest = await sha256Bytes(token);
  let found = -1;
  digests.forEach((d, i) => {
    if (constantTimeEqual(d, digest)) found = i;
  });
  return found < 0 ? undefined : found;
}
