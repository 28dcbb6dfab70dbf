// HMAC-SHA256 request signing between the router and the GPU backends, on crypto.subtle
// only, so Node and the Worker sign alike and the backend verifies with the same code.
//
// Scheme `v1`: the signature covers, joined by "\n":
//   "biflow-hmac-v1", METHOD (upper case), path with query, timestamp (Unix seconds),
//   nonce (hex), hex SHA-256 of the exact body bytes
// sent as headers x-biflow-timestamp, x-biflow-nonce and x-biflow-signature: "v1=<hex>".
// The nonce lets the verifier refuse a replay inside the freshness window (replay.ts).

import { sha256Hex, toHex } from "../bytes.js";

export const SIGNATURE_HEADER = "x-biflow-signature";
export const TIMESTAMP_HEADER = "x-biflow-timestamp";
export const NONCE_HEADER = "x-biflow-nonce";
const SCHEME = "v1";
const CONTEXT = "biflow-hmac-v1";
/** A request older (or further in the future) than this is stale. */
export const MAX_SKEW_SECONDS = 60;
/** Shared secrets shorter than this are refused at start-up: HMAC keys must not be guessable. */
export const MIN_SECRET_LENGTH = 32;

const utf8 = new TextEncoder();

export interface SignedParts {
  method: string;
  /** Path and query exactly as sent, e.g. `/v1/generate`. */
  path: string;
  body: Uint8Array;
}

export type SignatureHeaders = Record<typeof SIGNATURE_HEADER | typeof TIMESTAMP_HEADER | typeof NONCE_HEADER, string>;

export type VerifyResult =
  | { ok: true; nonce: string; timestamp: number }
  | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

/** An HMAC key for the shared secret, made once and reused for every request. */
export function importSigningKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

async function canonical(parts: SignedParts, timestamp: number, nonce: string): Promise<Uint8Array<ArrayBuffer>> {
  const bodyHash = await sha256Hex(parts.body);
  const text = [CONTEXT, parts.method.toUpperCase(), parts.path, String(timestamp), nonce, bodyHash].join("\n");
  // Workers' types give encode() an ArrayBufferLike; crypto.subtle wants an ArrayBuffer view.
  return new Uint8Array(utf8.encode(text));
}

function randomNonce(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The three headers that sign this request at `nowMs`. */
export async function signRequest(key: CryptoKey, parts: SignedParts, nowMs: number): Promise<SignatureHeaders> {
  const timestamp = Math.floor(nowMs / 1000);
  const nonce = randomNonce();
  const mac = await crypto.subtle.sign("HMAC", key, await canonical(parts, timestamp, nonce));
  return {
    [SIGNATURE_HEADER]: `${SCHEME}=${toHex(new Uint8Array(mac))}`,
    [TIMESTAMP_HEADER]: String(timestamp),
    [NONCE_HEADER]: nonce,
  };
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The signature headers, parsed and checked for freshness: everything but the MAC. */
export type HeaderCheck =
  | { ok: true; mac: Uint8Array<ArrayBuffer>; nonce: string; timestamp: number }
  | { ok: false; reason: "missing" | "malformed" | "stale" };

/**
 * Checks the signature headers alone: present, well-formed and fresh. A verifier runs this
 * before it reads the body (issue 10), so an unsigned or stale request costs no body read.
 */
export function checkSignatureHeaders(header: (name: string) => string | undefined, nowMs: number): HeaderCheck {
  const signature = header(SIGNATURE_HEADER);
  const timestampText = header(TIMESTAMP_HEADER);
  const nonce = header(NONCE_HEADER);
  if (signature === undefined || timestampText === undefined || nonce === undefined)
    return { ok: false, reason: "missing" };
  const match = /^v1=([0-9a-f]{64})$/.exec(signature);
  if (match?.[1] === undefined || !/^\d{1,12}$/.test(timestampText) || !/^[0-9a-f]{32}$/.test(nonce)) {
    return { ok: false, reason: "malformed" };
  }
  const timestamp = Number(timestampText);
  if (Math.abs(nowMs / 1000 - timestamp) > MAX_SKEW_SECONDS) return { ok: false, reason: "stale" };
  return { ok: true, mac: fromHex(match[1]), nonce, timestamp };
}

/** Checks the MAC of headers that passed checkSignatureHeaders, by crypto.subtle.verify (constant time). */
export async function verifyMac(
  key: CryptoKey,
  parts: SignedParts,
  checked: { mac: Uint8Array<ArrayBuffer>; nonce: string; timestamp: number },
): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, checked.mac, await canonical(parts, checked.timestamp, checked.nonce));
}

/**
 * Checks the headers against the request. Freshness is checked before the MAC so a stale
 * request costs no hashing.
 */
export async function verifyRequest(
  key: CryptoKey,
  parts: SignedParts,
  header: (name: string) => string | undefined,
  nowMs: number,
): Promise<VerifyResult> {
  const checked = checkSignatureHeaders(header, nowMs);
  if (!checked.ok) return checked;
  const valid = await verifyMac(key, parts, checked);
  return valid ? { ok: true, nonce: checked.nonce, timestamp: checked.timestamp } : { ok: false, reason: "mismatch" };
}
