// URL_SIGNING_MODE=strict in workerd, beside the default mode: the Worker's R2-backed samples,
// 304s and redirects verify the signature first; POST hands out URLs that work.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index.js";
import { ORIGIN, shippedManifest } from "./helpers.js";

const KEY = "worker-url-signing-key-0123456789abcdef";
// One object per mode: the Worker builds its app once per env object.
const MODES = {
  compute: { ...env, URL_SIGNING_KEY: KEY },
  strict: { ...env, URL_SIGNING_KEY: KEY, URL_SIGNING_MODE: "strict" },
};
const model = shippedManifest();

async function request(mode: keyof typeof MODES, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(new URL(path, ORIGIN), init), MODES[mode], ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The signed URL a POST hands out, fetched once (so it is stored), and its unsigned form. */
async function storedSample(mode: keyof typeof MODES, seed: number) {
  const post = await request(mode, "/v1/samples", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: model.id, n: 1, seed, class: 2 }),
  });
  expect(post.status).toBe(200);
  const body = await post.json<{ samples: { url: string }[] }>();
  const signed = new URL(body.samples[0]?.url ?? "");
  expect(signed.searchParams.has("sig")).toBe(true);
  const first = await request(mode, signed.href);
  expect(first.status).toBe(200);
  await first.arrayBuffer();
  const unsigned = new URL(signed);
  unsigned.searchParams.delete("sig");
  return { signed: signed.href, unsigned: unsigned.pathname + unsigned.search, etag: first.headers.get("etag") ?? "" };
}

describe("URL_SIGNING_MODE in workerd", () => {
  for (const [mode, unsigned, notModified, loose] of [
    ["compute", 200, 304, 302],
    ["strict", 403, 403, 403],
  ] as const) {
    it(`${mode}: a stored sample unsigned -> ${unsigned}, its 304 -> ${notModified}, a loose form -> ${loose}`, async () => {
      const sample = await storedSample(mode, 700 + unsigned);
      const plain = await request(mode, sample.unsigned);
      expect(plain.status).toBe(unsigned);
      if (unsigned === 403) {
        expect(await plain.json()).toMatchObject({ error: { type: "forbidden", param: "sig" } });
      } else {
        await plain.arrayBuffer();
      }
      const conditional = await request(mode, sample.unsigned, { headers: { "if-none-match": sample.etag } });
      expect(conditional.status).toBe(notModified);
      await conditional.arrayBuffer();
      expect((await request(mode, sample.signed, { headers: { "if-none-match": sample.etag } })).status).toBe(304);
      const versionless = await request(mode, sample.unsigned.replace(`@${model.version}`, ""), { redirect: "manual" });
      expect(versionless.status).toBe(loose);
      await versionless.arrayBuffer();
    });
  }
});
