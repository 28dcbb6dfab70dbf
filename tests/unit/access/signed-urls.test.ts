// URL_SIGNING_KEY over the app: POST hands out signed URLs; a sample URL computes only with
// a valid sig (checked against node:crypto's HMAC, an implementation independent of ours);
// tampered or expired -> 403 forbidden; an unsigned URL is still served once stored.

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signUrl } from "../../../src/middleware/signed-url/index.js";
import { makeTestApp, postJson, type TestApp } from "../../helpers/fixtures.js";

const KEY = "url-signing-key-0123456789abcdef0123";
const env = { URL_SIGNING_KEY: KEY };
const ORIGIN = "http://edge.test";

/** Path and query without `sig`, and its HMAC-SHA256 by node:crypto in base64url. */
function independentSig(pathAndQuery: string): string {
  return createHmac("sha256", KEY).update(pathAndQuery).digest("base64url");
}

function withoutSig(url: string): string {
  const u = new URL(url, ORIGIN);
  const query = u.search
    .slice(1)
    .split("&")
    .filter((p) => !p.startsWith("sig="))
    .join("&");
  return u.pathname + (query === "" ? "" : `?${query}`);
}

async function signedUrlFrom(app: TestApp, seed: number): Promise<string> {
  const res = await postJson(app.app, `${ORIGIN}/v1/samples`, { model: "tiny-biflow", n: 1, seed, class: 0 });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { samples: { url: string }[] };
  return body.samples[0]?.url ?? "";
}

async function expectForbidden(res: Response, message: RegExp) {
  expect(res.status).toBe(403);
  const body = (await res.json()) as { error: { type: string; message: string; param: string } };
  expect(body.error).toMatchObject({ type: "forbidden", param: "sig" });
  expect(body.error.message).toMatch(message);
}

describe("signed sample URLs", () => {
  it("POST hands out URLs whose sig is HMAC-SHA256 of their path and query", async () => {
    const a = await makeTestApp({}, env);
    const url = await signedUrlFrom(a, 7);
    const sig = new URL(url).searchParams.get("sig");
    expect(sig).toBe(independentSig(withoutSig(url)));
  });

  it("a valid signature computes; the URL tampered with is refused before computing", async () => {
    const url = await signedUrlFrom(await makeTestApp({}, env), 11);
    const fresh = await makeTestApp({}, env); // an empty store: only computing can answer
    const tampered = url.replace("/11.png", "/12.png");
    expect(tampered).not.toBe(url);
    await expectForbidden(await fresh.app.request(tampered), /does not match/);
    const badSig = url.replace(/sig=./, (m) => (m.endsWith("A") ? "sig=B" : "sig=A"));
    await expectForbidden(await fresh.app.request(badSig), /does not match/);
    expect(fresh.sampler.calls).toBe(0);
    const ok = await fresh.app.request(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-sample-source")).toBe("computed");
    expect(fresh.sampler.calls).toBe(1);
  });

  it("exp is signed and ends validity; signUrl agrees with node:crypto", async () => {
    const t = await makeTestApp({}, env);
    const base = withoutSig(await signedUrlFrom(await makeTestApp({}, env), 21));
    const now = Math.floor(Date.now() / 1000);
    const expired = `${base}&exp=${now - 5}`;
    await expectForbidden(await t.app.request(`${expired}&sig=${independentSig(expired)}`), /expired/);
    const live = `${base}&exp=${now + 600}`;
    const signed = await signUrl(`${ORIGIN}${base}`, KEY, { expiresAt: now + 600 });
    expect(signed).toBe(`${ORIGIN}${live}&sig=${independentSig(live)}`);
    // Moving exp later breaks the signature.
    await expectForbidden(await t.app.request(signed.replace(`exp=${now + 600}`, `exp=${now + 6000}`)), /not match/);
    expect(t.sampler.calls).toBe(0);
    expect((await t.app.request(signed)).status).toBe(200);
    expect(t.sampler.calls).toBe(1);
  });

  it("unsigned: 403 while not stored, served from the store once it is", async () => {
    const t = await makeTestApp({}, env);
    const signed = await signedUrlFrom(await makeTestApp({}, env), 31);
    const unsigned = withoutSig(signed);
    await expectForbidden(await t.app.request(unsigned), /not signed/);
    expect(t.sampler.calls).toBe(0);
    expect((await t.app.request(signed)).status).toBe(200);
    // Another router on the same store (its cache is empty): the stored sample is served.
    const other = await makeTestApp({ store: t.store }, env);
    const again = await other.app.request(unsigned);
    expect(again.status).toBe(200);
    expect(again.headers.get("x-sample-source")).toBe("store");
    expect(t.sampler.calls + other.sampler.calls).toBe(1);
  });

  it("without URL_SIGNING_KEY nothing is signed and unsigned URLs compute", async () => {
    const t = await makeTestApp();
    const url = await signedUrlFrom(t, 41);
    expect(new URL(url).searchParams.has("sig")).toBe(false);
    expect((await (await makeTestApp()).app.request(url)).status).toBe(200);
  });
});
