// engine/http/serve.ts on a real socket: an early 413 says `Connection: close` and the same
// keep-alive client's next request succeeds; ordinary responses keep the connection; the
// server carries the configured timeouts.

import type { ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveHttp } from "../../../engine/http/serve.js";
import { makeTestApp } from "../../helpers/fixtures.js";

let server: ServerType;
let url: string;
const timeouts = { headersMs: 4_000, requestMs: 9_000, keepAliveMs: 3_000 };

beforeAll(async () => {
  const t = await makeTestApp();
  await new Promise<void>((resolve) => {
    server = serveHttp({ fetch: t.app.fetch, port: 0, host: "127.0.0.1", timeouts }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("serveHttp", () => {
  it("closes explicitly after an early 413, and the keep-alive client's next request succeeds", async () => {
    // 32 MiB declared and sent: the router refuses on Content-Length before reading any of it.
    const big = new Uint8Array(32 * 1024 * 1024).fill(0x20);
    const refused = await fetch(`${url}/v1/samples`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(refused.status).toBe(413);
    expect(refused.headers.get("connection")).toBe("close");
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("payload_too_large");
    const next = await fetch(`${url}/health/live`);
    expect(next.status).toBe(200);
    expect(next.headers.get("connection")).toBe("keep-alive");
  });

  it("keeps the connection when the body was read, even for an error", async () => {
    const res = await fetch(`${url}/v1/samples`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("connection")).toBe("keep-alive");
  });

  it("sets the header, request and keep-alive timeouts", () => {
    expect(server).toMatchObject({ headersTimeout: 4_000, requestTimeout: 9_000, keepAliveTimeout: 3_000 });
  });
});
