// API_KEYS over the app: POST endpoints need `Authorization: Bearer <key>` whose SHA-256 is
// listed (digests made here by node:crypto); missing or wrong -> 401 before any work; the
// key never reaches logs, errors or metrics. GETs stay open.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { createJsonLogger } from "../../../src/logger.js";
import { makeTestApp, postJson } from "../../helpers/fixtures.js";

const KEY = "sk-test-4f1c9a0d2b7e44d1a9c3";
const OTHER = "sk-other-0000000000000000000";
const digest = (key: string) => createHash("sha256").update(key).digest("hex");
const body = { model: "tiny-biflow", n: 1, seed: 5 };

async function appWithLog() {
  const lines: string[] = [];
  const logger = createJsonLogger({ level: "debug", clock: systemClock, write: (l) => lines.push(l) });
  const t = await makeTestApp({ logger }, { API_KEYS: `${digest(OTHER)}, ${digest(KEY).toUpperCase()}` });
  return { ...t, lines };
}

async function expectUnauthorized(res: Response, message: RegExp) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  const json = (await res.json()) as { error: { type: string; message: string } };
  expect(json.error.type).toBe("unauthorized");
  expect(json.error.message).toMatch(message);
  expect(JSON.stringify(json)).not.toContain("sk-");
}

describe("API_KEYS", () => {
  it("missing or wrong key -> 401 unauthorized, nothing computed", async () => {
    const t = await appWithLog();
    await expectUnauthorized(await postJson(t.app, "/v1/samples", body), /API key is required/);
    await expectUnauthorized(
      await postJson(t.app, "/v1/samples", body, { authorization: "Basic Zm9vOmJhcg==" }),
      /required/,
    );
    await expectUnauthorized(
      await postJson(t.app, "/v1/samples", body, { authorization: `Bearer ${KEY}x` }),
      /not accepted/,
    );
    await expectUnauthorized(
      await t.app.request("/v1/encode?model=tiny-biflow", {
        method: "POST",
        headers: { authorization: "Bearer nope" },
      }),
      /not accepted/,
    );
    expect(t.sampler.calls).toBe(0);
  });

  it("a listed key passes (either of them); GET sample URLs need none", async () => {
    const t = await appWithLog();
    const ok = await postJson(t.app, "/v1/samples", body, { authorization: `Bearer ${KEY}` });
    expect(ok.status).toBe(200);
    expect((await postJson(t.app, "/v1/samples", body, { authorization: `bearer ${OTHER}` })).status).toBe(200);
    const { samples } = (await ok.json()) as { samples: { url: string }[] };
    expect((await t.app.request(samples[0]?.url ?? "")).status).toBe(200);
    expect((await t.app.request("/v1/models")).status).toBe(200);
  });

  it("keys never appear in logs or metrics", async () => {
    const t = await appWithLog();
    await postJson(t.app, "/v1/samples", body, { authorization: `Bearer ${KEY}` });
    await postJson(t.app, "/v1/samples", body, { authorization: `Bearer ${KEY}-wrong` });
    const metrics = await (await t.app.request("/metrics")).text();
    const everything = t.lines.join("\n") + metrics;
    expect(t.lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(digest(KEY));
  });

  it("refuses API_KEYS that are not SHA-256 digests (someone pasted the key itself)", async () => {
    await expect(makeTestApp({}, { API_KEYS: KEY })).rejects.toThrow(
      /API_KEYS must be comma-separated SHA-256 hex digests/,
    );
  });
});
