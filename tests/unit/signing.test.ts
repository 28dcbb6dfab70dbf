// Request signing between router and backends: a signed request verifies; any change to
// method, path, body, timestamp or nonce, a wrong secret, staleness or a replay fails.

import { describe, expect, it } from "vitest";
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
