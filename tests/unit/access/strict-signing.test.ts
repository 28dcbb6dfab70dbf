// URL_SIGNING_MODE=strict over the app, each image path beside the default mode (`compute`,
// where a signature gates computing only): stored samples, 304s, redirects, versions no
// longer loaded and composites all verify the signature first in strict mode; an `exp`
// bounds Cache-Control; the playground is off; strict without a key refuses to start.
// Signatures come from node:crypto's HMAC, independent of the code under test.

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config.js";
import { makeTestApp, postJson, type TestApp } from "../../helpers/fixtures.js";

const KEY = "url-signing-key-0123456789abcdef0123";
const COMPUTE: Record<string, string> = { URL_SIGNING_KEY: KEY };
const STRICT: Record<string, string> = { URL_SIGNING_KEY: KEY, URL_SIGNING_MODE: "strict" };
const ORIGIN = "http://edge.test";

/** `pathAndQuery` (no sig) signed by node:crypto, as docs/public-deployment.md specifies. */
function sign(pathAndQuery: string): string {
  const sig = createHmac("sha256", KEY).update(pathAndQuery).digest("base64url");
  return `${pathAndQuery}${pathAndQuery.includes("?") ? "&" : "?"}sig=${sig}`;
}

/** A sample's canonical path and query (unsigned), computed and stored by a signed POST. */
async function storedSample(t: TestApp, seed: number): Promise<{ path: string; etag: string }> {
  const res = await postJson(t.app, `${ORIGIN}/v1/samples`, { model: "tiny-biflow", n: 1, seed, class: 0 });
  expect(res.status).toBe(200);
  const url = new URL(((await res.json()) as { samples: { url: string }[] }).samples[0]?.url ?? "");
  url.searchParams.delete("sig");
  const path = url.pathname + url.search;
  const first = await t.app.request(sign(path));
  expect(first.status).toBe(200);
  return { path, etag: first.headers.get("etag") ?? "" };
}

async function expectForbidden(res: Response): Promise<void> {
  expect(res.status).toBe(403);
  const body = (await res.json()) as { error: { type: string; param: string; message: string } };
  expect(body.error).toMatchObject({ type: "forbidden", param: "sig" });
}

describe("URL_SIGNING_MODE=strict", () => {
  it("a stored sample: served unsigned in compute mode, 403 in strict mode, 200 signed", async () => {
    for (const [env, unsignedStatus] of [
      [COMPUTE, 200],
      [STRICT, 403],
    ] as const) {
      const t = await makeTestApp({}, env);
      const { path } = await storedSample(t, 5);
      const unsigned = await t.app.request(path);
      expect(unsigned.status, env.URL_SIGNING_MODE ?? "compute").toBe(unsignedStatus);
      if (unsignedStatus === 403) {
        await expectForbidden(unsigned);
        const body = await (await t.app.request(path)).text();
        expect(body).toMatch(/URL_SIGNING_MODE=strict serves signed image URLs only/);
      }
      // A tampered signature is no better than none.
      const tampered = sign(path).replace(/sig=./, (m) => (m === "sig=A" ? "sig=B" : "sig=A"));
      expect((await t.app.request(tampered)).status).toBe(unsignedStatus);
      expect((await t.app.request(sign(path))).status).toBe(200);
    }
  });

  it("a 304 needs the signature too in strict mode", async () => {
    for (const [env, unsignedStatus] of [
      [COMPUTE, 304],
      [STRICT, 403],
    ] as const) {
      const t = await makeTestApp({}, env);
      const { path, etag } = await storedSample(t, 6);
      const conditional = { headers: { "if-none-match": etag } };
      expect((await t.app.request(path, conditional)).status).toBe(unsignedStatus);
      expect((await t.app.request(sign(path), conditional)).status).toBe(304);
    }
  });

  it("a non-canonical URL: unsigned redirects in compute mode, is 403 in strict; signed redirects signed", async () => {
    for (const [env, unsignedStatus] of [
      [COMPUTE, 302],
      [STRICT, 403],
    ] as const) {
      const t = await makeTestApp({}, env);
      const { path } = await storedSample(t, 7);
      // The version-less form names the same sample and redirects to the canonical URL.
      const loose = path.replace(/@[^/]+/, "");
      expect(loose).not.toBe(path);
      expect((await t.app.request(loose)).status).toBe(unsignedStatus);
      const redirect = await t.app.request(sign(loose));
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toBe(sign(path));
    }
  });

  it("a version no longer loaded: 410 unsigned in compute mode, 403 in strict", async () => {
    for (const [env, unsignedStatus] of [
      [COMPUTE, 410],
      [STRICT, 403],
    ] as const) {
      const t = await makeTestApp({}, env);
      const { path } = await storedSample(t, 8);
      const retired = path.replace(/@[^/]+/, "@0.0.1");
      expect((await t.app.request(retired)).status).toBe(unsignedStatus);
      expect((await t.app.request(sign(retired))).status).toBe(410);
    }
  });

  it("composites: a stored class grid is served unsigned in compute mode only", async () => {
    for (const [env, unsignedStatus] of [
      [COMPUTE, 200],
      [STRICT, 403],
    ] as const) {
      const t = await makeTestApp({}, env);
      const models = (await (await t.app.request("/v1/models")).json()) as {
        models: { id: string; version: string }[];
      };
      const tiny = models.models.find((m) => m.id === "tiny-biflow");
      if (tiny === undefined) throw new Error("no tiny-biflow fixture");
      const loose = `/v1/grids/tiny-biflow@${tiny.version}/9.png`;
      const redirect = await t.app.request(sign(loose));
      expect(redirect.status).toBe(302);
      const canonical = redirect.headers.get("location") ?? "";
      expect((await t.app.request(canonical)).status).toBe(200);
      const unsigned = new URL(canonical, ORIGIN);
      unsigned.searchParams.delete("sig");
      expect((await t.app.request(unsigned.pathname + unsigned.search)).status).toBe(unsignedStatus);
    }
  });

  it("with exp, strict answers are never cacheable past the expiry", async () => {
    const t = await makeTestApp({}, STRICT);
    const { path } = await storedSample(t, 10);
    const exp = Math.floor(Date.now() / 1000) + 120;
    const res = await t.app.request(sign(`${path}&exp=${exp}`));
    expect(res.status).toBe(200);
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(res.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(100);
    expect(maxAge).toBeLessThanOrEqual(120);
    // Without exp the URL is valid for ever, and so is its answer.
    expect((await t.app.request(sign(path))).headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // The redirect of a loose form: 60 s at most, less when the URL expires sooner.
    const soon = Math.floor(Date.now() / 1000) + 30;
    const redirect = await t.app.request(sign(`${path.replace(/@[^/]+/, "")}&exp=${soon}`));
    expect(redirect.status).toBe(302);
    expect(Number(/max-age=(\d+)/.exec(redirect.headers.get("cache-control") ?? "")?.[1])).toBeLessThanOrEqual(30);
  });

  it("POST hands out signed URLs, and the playground is switched off", async () => {
    const strict = await makeTestApp({}, STRICT);
    const res = await postJson(strict.app, `${ORIGIN}/v1/samples`, { model: "tiny-biflow", n: 2, seed: 3 });
    const urls = ((await res.json()) as { samples: { url: string }[] }).samples.map((s) => s.url);
    for (const url of urls) expect((await strict.app.request(url)).status).toBe(200);
    const page = await strict.app.request("/");
    expect(page.status).toBe(404);
    expect(await page.text()).toMatch(/playground is switched off/);
    expect((await (await makeTestApp({}, COMPUTE)).app.request("/")).status).toBe(200);
  });

  it("strict without URL_SIGNING_KEY, or an unknown mode, refuses to start", () => {
    expect(() => parseConfig({ URL_SIGNING_MODE: "strict" })).toThrow(/URL_SIGNING_MODE=strict needs URL_SIGNING_KEY/);
    expect(() => parseConfig({ URL_SIGNING_KEY: KEY, URL_SIGNING_MODE: "always" })).toThrow(
      /URL_SIGNING_MODE must be one of compute, strict/,
    );
  });
});
