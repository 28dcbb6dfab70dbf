// The Worker's rate limits under the Workers pool: RATE_LIMIT_* switch on the [[ratelimits]]
// bindings of wrangler.toml (Miniflare runs them: a fixed 60 s window per key), counted per
// CF-Connecting-IP (IPv6 by /64); over -> 429 rate_limited with Retry-After, and served
// again once the window turns (on a fake clock: the binding reads Date.now()).

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/index.js";
import { ORIGIN, shippedManifest } from "./helpers.js";

/** The limits declared in wrangler.toml ([[ratelimits]] simple.limit). */
const REQUESTS_LIMIT = 120;
const IMAGES_LIMIT = 30;
const limited = {
  ...env,
  RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_LIMIT),
  RATE_LIMIT_IMAGES_PER_MINUTE: String(IMAGES_LIMIT),
};

async function callAs(ip: string, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", ip);
  const response = await worker.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }), limited, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/**
 * Requests from `ip` until one is refused. The window is fixed, so a run may straddle one
 * boundary; 2 * limit + 1 requests still put limit + 1 into one window.
 */
async function untilRefused(ip: string, limit: number): Promise<{ response: Response; sent: number }> {
  for (let sent = 1; sent <= 2 * limit + 1; sent++) {
    const response = await callAs(ip, "/v1/models");
    if (response.status === 429) return { response, sent };
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  throw new Error(`no 429 after ${2 * limit + 1} requests`);
}

describe("rate limits in workerd", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("serves a refused client again once the 60 s window turns, not before", async () => {
    // Only Date is faked: the binding's fixed window is floor(Date.now() / 60 s), and workerd
    // runs it in this isolate. The window starts at a whole minute, so exactly `limit` pass.
    vi.useFakeTimers({ toFake: ["Date"] });
    const windowStart = Date.UTC(2031, 0, 1, 0, 0, 0);
    vi.setSystemTime(windowStart);
    const { response, sent } = await untilRefused("198.51.100.30", REQUESTS_LIMIT);
    expect(sent).toBe(REQUESTS_LIMIT + 1);
    expect(response.headers.get("retry-after")).toBe("60");
    vi.setSystemTime(windowStart + 59_999);
    expect((await callAs("198.51.100.30", "/v1/models")).status).toBe(429);
    vi.setSystemTime(windowStart + 60_000);
    const again = await callAs("198.51.100.30", "/v1/models");
    expect(again.status).toBe(200);
    await again.arrayBuffer();
    // A full new window: `limit` more requests pass, the next one is refused.
    const next = await untilRefused("198.51.100.30", REQUESTS_LIMIT);
    expect(next.sent).toBe(REQUESTS_LIMIT);
  });

  it("refuses a client past RATE_LIMIT_REQUESTS_PER_MINUTE with 429 and Retry-After; others pass", async () => {
    const { response, sent } = await untilRefused("198.51.100.20", REQUESTS_LIMIT);
    expect(sent).toBeGreaterThan(REQUESTS_LIMIT);
    expect(response.headers.get("retry-after")).toBe("60");
    // The binding answers only yes or no: no RateLimit numbers to announce.
    expect(response.headers.get("ratelimit")).toBeNull();
    const body = await response.json<{ error: { type: string } }>();
    expect(body.error.type).toBe("rate_limited");
    expect((await callAs("198.51.100.21", "/v1/models")).status).toBe(200);
    // Outside /v1 nothing is limited.
    expect((await callAs("198.51.100.20", "/health/live")).status).toBe(200);
  });

  it("groups IPv6 clients by /64", async () => {
    await untilRefused("2001:db8:9:1::1", REQUESTS_LIMIT);
    expect((await callAs("2001:db8:9:1:ffff::2", "/v1/models")).status).toBe(429);
    expect((await callAs("2001:db8:9:2::1", "/v1/models")).status).toBe(200);
  });

  it("RATE_LIMIT_IMAGES_PER_MINUTE refuses a batch over the quota before computing", async () => {
    const model = shippedManifest().id;
    const post = (ip: string, body: unknown) =>
      callAs(ip, "/v1/samples", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const refused = await post("203.0.113.40", { model, n: IMAGES_LIMIT + 1, seed: 7_000 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await refused.json<{ error: { type: string } }>()).error.type).toBe("rate_limited");
    const ok = await post("203.0.113.41", { model, n: 2, seed: 7_000 });
    expect(ok.status).toBe(200);
    const body = await ok.json<{ samples: { source: string }[] }>();
    expect(body.samples.map((s) => s.source)).toEqual(["computed", "computed"]);
  });

  it("a RATE_LIMIT_* variable without its binding is a setup error (500 naming nothing)", async () => {
    const ctx = createExecutionContext();
    const { REQUESTS_RATE_LIMITER: _, ...unbound } = limited;
    const response = await worker.fetch(new Request(`${ORIGIN}/health/live`), unbound, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(500);
  });
});
