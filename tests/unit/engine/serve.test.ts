// engine/http/serve.ts on a real socket: an early 413 still reaches a client that sends a
// large body and the connection stays usable; a body that stalls gets `Connection: close`;
// ordinary responses keep the connection; the server carries the configured timeouts.

import type { ServerType } from "@hono/node-server";
import { Agent, request } from "node:http";
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

/** A POST that declares `declared` bytes and writes `body` (fewer when testing a stall). */
function rawPost(
  agent: Agent,
  path: string,
  body: Buffer,
  declared: number,
  sockets: Set<unknown>,
): Promise<{ status: number; connection: string | undefined; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: "POST",
        path,
        agent,
        headers: { "content-type": "application/json", "content-length": String(declared) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("socket", (socket) => sockets.add(socket));
    req.on("error", reject);
    req.write(body);
    if (body.length === declared) req.end();
  });
}

describe("serveHttp", () => {
  it("discards the rest of a body it refused early, so the 413 arrives and the connection stays usable", async () => {
    // 20 MB declared and sent at once: the router refuses on Content-Length before reading.
    // Closing with those bytes unread made the kernel reset the connection, and the client
    // often saw `write EPIPE` instead of the 413 (14 of 20 before the discard).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const big = Buffer.alloc(20_000_000, 0x20);
    try {
      for (let i = 0; i < 5; i++) {
        const refused = await rawPost(agent, "/v1/samples", big, big.length, sockets);
        expect(refused.status).toBe(413);
        expect(refused.connection).toBe("keep-alive");
        expect((JSON.parse(refused.body) as { error: { type: string } }).error.type).toBe("payload_too_large");
      }
      const next = await fetch(`${url}/health/live`);
      expect(next.status).toBe(200);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it("closes explicitly when the rest of a refused body does not come", async () => {
    const agent = new Agent({ keepAlive: false });
    // 1 MiB declared, 64 KiB sent, then nothing: the 413 goes out after the linger bound.
    const started = performance.now();
    const refused = await rawPost(agent, "/v1/samples", Buffer.alloc(65_536, 0x20), 1_048_576, new Set());
    expect(refused.status).toBe(413);
    expect(refused.connection).toBe("close");
    // A deadline plus slack, not a speed figure: the linger bound is 1 s (LINGER_MAX_MS in
    // engine/http/serve.ts); without it the client would wait for the 9 s request timeout.
    expect(performance.now() - started).toBeLessThan(5_000);
    agent.destroy();
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
