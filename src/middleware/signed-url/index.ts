// URL_SIGNING_KEY: signed sample URLs, as imgproxy and imgix sign theirs. `sig` is the
// unpadded base64url HMAC-SHA256, keyed with the UTF-8 bytes of URL_SIGNING_KEY, of the
// URL's path and query as sent without `sig` and `exp`, then `&exp=<Unix seconds>` when the
// URL has an expiry: so `exp` is covered and ends the URL's validity.

import { fromBase64, toBase64 } from "../../bytes.js";

export const SIGNATURE_PARAM = "sig";
export const EXPIRY_PARAM = "exp";

export type SignatureCheck =
  { ok: true; expiresAt: number | undefined } | { ok: false; reason: "missing" | "malformed" | "mismatch" | "expired" };

const utf8 = new TextEncoder();
const BASE = "http://signing.invalid";

export function importUrlSigningKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "="));
}

/**
 * The text a signature covers: the path and query with `sig` and `exp` taken out (raw, in
 * order), then `exp=<value>` appended when the URL has one. For a canonical sample URL that
 * is its canonical path and query (src/samples/canonical.ts), plus the expiry.
 */
function split(pathAndQuery: string): { signed: string; sigs: string[]; exps: string[] } {
  const q = pathAndQuery.indexOf("?");
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const parts = q < 0 ? [] : pathAndQuery.slice(q + 1).split("&");
  const sigs: string[] = [];
  const exps: string[] = [];
  const kept = parts.filter((part) => {
    if (part.startsWith(`${SIGNATURE_PARAM}=`)) sigs.push(part.slice(SIGNATURE_PARAM.length + 1));
    else if (part.startsWith(`${EXPIRY_PARAM}=`)) exps.push(part.slice(EXPIRY_PARAM.length + 1));
    else return part !== "";
    return false;
  });
  if (exps.length === 1) kept.push(`${EXPIRY_PARAM}=${exps[0] ?? ""}`);
  const query = kept.join("&");
  return { signed: query === "" ? path : `${path}?${query}`, sigs, exps };
}

/** The path and query of an absolute URL or a path, as the URL parser writes them. */
function pathAndQueryOf(url: string): string {
  const parsed = new URL(url, BASE);
  return parsed.pathname + parsed.search;
}

/**
 * Signs a path with query (e.g. `/v1/samples/m@1.0.0/c/1.png?guidance=1.00`): any old `sig`
 * is dropped; with `expiresAt` (Unix seconds) an `exp` parameter replaces any old one.
 */
export async function signPath(key: CryptoKey, pathAndQuery: string, expiresAt?: number): Promise<string> {
  let target = pathAndQueryOf(pathAndQuery);
  if (expiresAt !== undefined) {
    const { signed, exps } = split(target);
    const bare = exps.length === 1 ? signed.replace(/[?&]exp=[^&]*$/, "") : signed;
    target = `${bare}${bare.includes("?") ? "&" : "?"}${EXPIRY_PARAM}=${Math.floor(expiresAt)}`;
  }
  const { signed } = split(target);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(signed)));
  return `${signed}${signed.includes("?") ? "&" : "?"}${SIGNATURE_PARAM}=${toBase64Url(mac)}`;
}

/** The signed form of an absolute URL or a path (same form back): what `npm run sign-url` prints. */
export async function signUrl(url: string, secret: string, options: { expiresAt?: number } = {}): Promise<string> {
  const signed = await signPath(await importUrlSigningKey(secret), url, options.expiresAt);
  if (!/^https?:\/\//i.test(url)) return signed;
  return new URL(signed, url).toString();
}

/** Checks the `sig` (and `exp`) of a request's path and query at `nowMs`; MACs compared by crypto.subtle.verify. */
export async function verifyPath(key: CryptoKey, pathAndQuery: string, nowMs: number): Promise<SignatureCheck> {
  const { signed, sigs, exps: exp } = split(pathAndQuery);
  if (sigs.length === 0) return { ok: false, reason: "missing" };
  const sig = sigs[0] ?? "";
  if (
    sigs.length > 1 ||
    !/^[A-Za-z0-9_-]{43}$/.test(sig) ||
    exp.length > 1 ||
    (exp[0] ?? "0").match(/^\d{1,12}$/) === null
  ) {
    return { ok: false, reason: "malformed" };
  }
  const valid = await crypto.subtle.verify("HMAC", key, fromBase64Url(sig), utf8.encode(signed));
  if (!valid) return { ok: false, reason: "mismatch" };
  const expiresAt = exp[0] === undefined ? undefined : Number(exp[0]);
  if (expiresAt !== undefined && nowMs / 1000 > expiresAt) return { ok: false, reason: "expired" };
  return { ok: true, expiresAt };
}

/** The request URL's path and query as signed (see pathAndQueryOf). */
export function requestPathAndQuery(url: string): string {
  return pathAndQueryOf(url);
}
