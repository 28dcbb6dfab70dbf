// Request signing between router and backends: a signed request verifies; any change to
// method, path, body, timestamp or nonce, a wrong secret, staleness or a replay fails.

import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/bytes.js";
import { ReplayGuard } from "../../src/contract/replay.js";
import {
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  importSigningKey,
  signRequest,
  verifyRequest,
  type SignatureHeaders,
  type SignedParts,
} from "../../src/contract/signing.js";

const SECRET = "s".repeat(40);
const NOW = 1_800_000_000_000;
const parts: SignedParts = { method: "POST", path: "/v1/generate", body: new TextEncoder().encode('{"a":1}') };

function lookup(headers: Partial<SignatureHeaders>) {
  return (name: string): string | undefined => (headers as Record<string, string | undefined>)[name];
}

describe("signRequest / verifyRequest", () => {
  it("verifies what it signed, and returns the nonce and timestamp", async () => {
    const key = await importSigningKey(SECRET);
    const headers = await signRequest(key, parts, NOW);
    expect(headers[SIGNATURE_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(headers[TIMESTAMP_HEADER]).toBe(String(NOW / 1000));
    const result = await verifyRequest(key, parts, lookup(headers), NOW + 59_000);
    expect(result).toEqual({ ok: true, nonce: headers[NONCE_HEADER], timestamp: NOW / 1000 });
  });

  it("uses a fresh nonce per request", async () => {
    const key = await importSigningKey(SECRET);
    const a = await signRequest(key, parts, NOW);
    const b = await signRequest(key, parts, NOW);
    expect(a[NONCE_HEADER]).not.toBe(b[NONCE_HEADER]);
    expect(a[SIGNATURE_HEADER]).not.toBe(b[SIGNATURE_HEADER]);
  });

  it.each([
    ["method", { ...parts, method: "PUT" }],
    ["path", { ...parts, path: "/v1/generate?x=1" }],
    ["body", { ...parts, body: new TextEncoder().encode('{"a":2}') }],
  ] as const)("refuses a request whose %s changed", async (_what, changed) => {
    const key = await importSigningKey(SECRET);
    const headers = await signRequest(key, parts, NOW);
    expect(await verifyRequest(key, changed, lookup(headers), NOW)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a changed nonce or timestamp, and another secret", async () => {
    const key = await importSigningKey(SECRET);
    const headers = await signRequest(key, parts, NOW);
    const nonce = { ...headers, [NONCE_HEADER]: "0".repeat(32) };
    const ts = { ...headers, [TIMESTAMP_HEADER]: String(NOW / 1000 + 1) };
    expect((await verifyRequest(key, parts, lookup(nonce), NOW)).ok).toBe(false);
    expect((await verifyRequest(key, parts, lookup(ts), NOW)).ok).toBe(false);
    const other = await importSigningKey("t".repeat(40));
    expect(await verifyRequest(other, parts, lookup(headers), NOW)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses stale and future requests beyond 60 s", async () => {
    const key = await importSigningKey(SECRET);
    const headers = await signRequest(key, parts, NOW);
    expect(await verifyRequest(key, parts, lookup(headers), NOW + 61_000)).toEqual({ ok: false, reason: "stale" });
    expect(await verifyRequest(key, parts, lookup(headers), NOW - 61_000)).toEqual({ ok: false, reason: "stale" });
  });

  it("refuses missing and malformed headers", async () => {
    const key = await importSigningKey(SECRET);
    const headers = await signRequest(key, parts, NOW);
    expect(await verifyRequest(key, parts, lookup({}), NOW)).toEqual({ ok: false, reason: "missing" });
    const { [NONCE_HEADER]: _nonce, ...noNonce } = headers;
    expect(await verifyRequest(key, parts, lookup(noNonce), NOW)).toEqual({ ok: false, reason: "missing" });
    const v2 = { ...headers, [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER].replace("v1=", "v2=") };
    expect(await verifyRequest(key, parts, lookup(v2), NOW)).toEqual({ ok: false, reason: "malformed" });
    const ts = { ...headers, [TIMESTAMP_HEADER]: "1e9" };
    expect(await verifyRequest(key, parts, lookup(ts), NOW)).toEqual({ ok: false, reason: "malformed" });
  });
});

// Known answers for the v1 message format in docs/gpu-backend.md, computed outside this
// code base (and checked against Python's hmac module) with:
//   printf 'biflow-hmac-v1\nPOST\n/v1/generate\n1800000000\n000102030405060708090a0b0c0d0e0f\n%s' \
//     "$(printf '%s' '{"a":1}' | openssl dgst -sha256 -r | cut -d' ' -f1)" \
//     | openssl dgst -sha256 -hmac ssssssssssssssssssssssssssssssssssssssss
// and the same for GET /v1/handshake with an empty body and nonce ffeeddcc...1100.
const VECTORS = [
  {
    parts,
    nonce: "000102030405060708090a0b0c0d0e0f",
    bodySha256: "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
    mac: "214e6a4055167ccb5f51d8eaeb42c8dc5e81650a3dc467c4232f9e518305ee7f",
  },
  {
    parts: { method: "get", path: "/v1/handshake", body: new Uint8Array(0) },
    nonce: "ffeeddccbbaa99887766554433221100",
    bodySha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    mac: "26e4b36b7f6775ad25006c20e34893533250acbeeb2a63f5ff55474a1795912c",
  },
] as const;

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

describe("the v1 message format (known answers made with openssl)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(VECTORS)("signs $parts.method $parts.path as the documented HMAC", async (v) => {
    const key = await importSigningKey(SECRET);
    // The nonce is the only random input: pin it to the vector's.
    vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      if (array instanceof Uint8Array) array.set(hexBytes(v.nonce));
      return array;
    });
    expect(await sha256Hex(v.parts.body)).toBe(v.bodySha256);
    const headers = await signRequest(key, v.parts, NOW + 999);
    expect(headers).toEqual({
      [SIGNATURE_HEADER]: `v1=${v.mac}`,
      [TIMESTAMP_HEADER]: "1800000000",
      [NONCE_HEADER]: v.nonce,
    });
  });

  it.each(VECTORS)("verifies the vector for $parts.method $parts.path, and not one bit off", async (v) => {
    const key = await importSigningKey(SECRET);
    const headers = { [SIGNATURE_HEADER]: `v1=${v.mac}`, [TIMESTAMP_HEADER]: "1800000000", [NONCE_HEADER]: v.nonce };
    expect(await verifyRequest(key, v.parts, lookup(headers), NOW)).toEqual({
      ok: true,
      nonce: v.nonce,
      timestamp: 1_800_000_000,
    });
    const flipped = (v.mac.startsWith("0") ? "1" : "0") + v.mac.slice(1);
    const wrong = { ...headers, [SIGNATURE_HEADER]: `v1=${flipped}` };
    expect(await verifyRequest(key, v.parts, lookup(wrong), NOW)).toEqual({ ok: false, reason: "mismatch" });
  });
});

describe("ReplayGuard", () => {
  it("admits a nonce once within the window, again after it", () => {
    const guard = new ReplayGuard();
    expect(guard.admit("a", 0)).toBe(true);
    expect(guard.admit("a", 119_999)).toBe(false);
    expect(guard.admit("b", 119_999)).toBe(true);
    // 120 s after "a" arrived its timestamp can no longer be fresh: it is forgotten.
    expect(guard.admit("a", 120_000)).toBe(true);
    expect(guard.size).toBe(2);
  });

  it("refuses new nonces when full of unexpired ones", () => {
    const guard = new ReplayGuard(2);
    expect(guard.admit("a", 0)).toBe(true);
    expect(guard.admit("b", 0)).toBe(true);
    expect(guard.admit("c", 1)).toBe(false);
    expect(guard.admit("c", 120_001)).toBe(true);
  });
});
