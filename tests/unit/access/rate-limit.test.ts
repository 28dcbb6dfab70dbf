// RATE_LIMIT_* over the app with Node's token buckets and fake timers: 429 rate_limited with
// Retry-After and the IETF RateLimit fields, recovery after the window, quotas per client
// address (IPv6 by /64) or per API key, and image quotas that cache and store hits skip.

import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { makeTestApp, postJson } from "../../helpers/fixtures.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The app with clients told apart by an X-Client header standing in for the socket. */
function app(env: Record<string, string>) {
  return makeTestApp({ clock: systemClock, clientAddress: (c) => c.req.header("x-client") }, env);
}

describe("RATE_LIMIT_REQUESTS_PER_MINUTE", () => {
  it("answers 429 past the quota, with Retry-After and RateLimit fields, and recovers after the window", async () => {
    const t = await app({ RATE_LIMIT_REQUESTS_PER_MINUTE: "3" });
    const get = () => t.app.request("/v1/models", { headers: { "x-client": "203.0.113.5" } });
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"requests";q=3;w=60');
    expect(first.headers.get("ratelimit")).toBe('"requests";r=2;t=20');
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    // One token comes back every 20 s (3 per minute).
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(refused.headers.get("ratelimit")).toBe('"requests";r=0;t=60');
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("rate_limited");

    vi.advanceTimersByTime(19_000);
    expect((await get()).status).toBe(429);
    vi.advanceTimersByTime(1_000);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    vi.advanceTimersByTime(60_000);
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
  });

  it("counts per client: another address is not limited; one IPv6 /64 is one client", async () => {
    const t = await app({ RATE_LIMIT_REQUESTS_PER_MINUTE: "1" });
    const from = (client: string) => t.app.request("/v1/models", { headers: { "x-client": client } });
    expect((await from("2001:db8:0:1::1")).status).toBe(200);
    expect((await from("2001:db8:0:1::ffff")).status).toBe(429);
    expect((await from("2001:db8:0:2::1")).status).toBe(200);
    expect((await from("198.51.100.1")).status).toBe(200);
    expect((await from("198.51.100.1")).status).toBe(429);
    // Outside /v1 nothing is counted.
    expect((await t.app.request("/health/live", { headers: { "x-client": "198.51.100.1" } })).status).toBe(200);
  });

  it("counts per API key where one is given, whatever the address", async () => {
    const key = "sk-rate-test-0123456789";
    const t = await app({
      RATE_LIMIT_REQUESTS_PER_MINUTE: "1",
      API_KEYS: createHash("sha256").update(key).digest("hex"),
    });
    const post = (client: string) =>
      postJson(
        t.app,
        "/v1/samples",
        { model: "tiny-biflow", n: 1, seed: 1 },
        {
          authorization: `Bearer ${key}`,
          "x-client": client,
        },
      );
    expect((await post("198.51.100.1")).status).toBe(200);
    expect((await post("198.51.100.2")).status).toBe(429);
  });
});

describe("RATE_LIMIT_IMAGES_PER_MINUTE", () => {
  it("charges computed images only; too many -> 429 before computing; recovers", async () => {
    const t = await app({ RATE_LIMIT_IMAGES_PER_MINUTE: "4" });
    const post = (seed: number, n: number) =>
      postJson(t.app, "/v1/samples", { model: "tiny-biflow", n, seed }, { "x-client": "192.0.2.9" });
    const three = await post(100, 3);
    expect(three.status).toBe(200);
    expect(three.headers.get("ratelimit")).toBe('"images";r=1;t=45');
    // The same three again: cache hits, free.
    expect((await post(100, 3)).status).toBe(200);
    const refused = await post(200, 2);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("15");
    expect(t.sampler.calls).toBe(1);
    const tooBig = await post(300, 5);
    expect(tooBig.status).toBe(429);
    expect(((await tooBig.json()) as { error: { message: string } }).error.message).toMatch(
      /needs 5 computed images; at most 4/,
    );
    vi.advanceTimersByTime(15_000);
    expect((await post(200, 2)).status).toBe(200);
    expect(t.sampler.calls).toBe(2);
  });
});
