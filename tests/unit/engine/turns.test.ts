// engine/http/turns.ts on a real HTTP server: while 60 ordinary requests, each holding the
// event loop for 5 ms, wait to run (300 ms of work), a /health/live sent after them is
// answered within a few slices, not after the whole queue; without inTurns the same server
// answers it last (the control each timing is compared with: no absolute bound in ms). Ordinary requests still run in arrival order; GET/HEAD requests answered
// from memory run ahead of them.

import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { inTurns } from "../../../engine/http/turns.js";
import { ROOT } from "../../helpers/fixtures.js";

const BUSY_MS = 5;
const ORDINARY = 60;

/**
 * The server runs in a worker thread, so its busy handlers hold its own event loop and not
 * the test's clients. It answers each request after BUSY_MS of synchronous work (none for
 * /health/live) and posts the order it ran them in when asked.
 */
function serverSource(withTurns: boolean): string {
  return `
    const { parentPort } = require("node:worker_threads");
    const { createServer } = require("node:http");
    require("tsx/cjs");
    const { inTurns, OPERATIONS_PATHS } = require(${JSON.stringify(path.join(ROOT, "engine/http/turns.ts"))});
    const order = [];
    const listener = (request, response) => {
      const end = performance.now() + (request.url === "/health/live" ? 0 : ${BUSY_MS});
      while (performance.now() < end) {}
      order.push(request.url);
      response.end("ok");
    };
    const server = createServer(${withTurns} ? inTurns(listener, { sliceMs: 5, urgentPaths: OPERATIONS_PATHS }) : listener);
    server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
    parentPort.on("message", () => parentPort.postMessage({ order }));
  `;
}

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.terminate();
  worker = undefined;
});

async function startServer(withTurns: boolean): Promise<{ url: string; order: () => Promise<string[]> }> {
  const started = new Worker(serverSource(withTurns), { eval: true });
  worker = started;
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    started.once("message", resolve);
    started.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    order: async () => {
      const reply = new Promise<{ order: string[] }>((resolve) => started.once("message", resolve));
      started.postMessage("order");
      return (await reply).order;
    },
  };
}

/**
 * Sends the ordinary requests on their own connections and, once the first has been answered
 * (the server is working through the queue), a liveness probe. Counted from that moment, not
 * from a fixed sleep: on a loaded machine a sleep can stretch until most of the queue is done
 * before the probe is even sent, which says nothing about the server (CI saw it).
 */
async function probeBehindQueue(url: string): Promise<{ liveMs: number; queuedAtSend: number; doneBehind: number }> {
  let ordinaryDone = 0;
  let firstAnswered: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstAnswered = resolve));
  const ordinary = Array.from({ length: ORDINARY }, (_, i) =>
    fetch(`${url}/v1/work/${i}`, { headers: { connection: "close" } }).then(async (r) => {
      await r.text();
      ordinaryDone += 1;
      firstAnswered();
    }),
  );
  await first;
  const doneAtSend = ordinaryDone;
  const started = performance.now();
  const live = await fetch(`${url}/health/live`, { headers: { connection: "close" } });
  await live.text();
  const liveMs = performance.now() - started;
  const doneBehind = ordinaryDone - doneAtSend;
  await Promise.all(ordinary);
  return { liveMs, queuedAtSend: ORDINARY - doneAtSend, doneBehind };
}

describe("inTurns", () => {
  it("answers an operations path ahead of queued handlers, which keep arrival order", async () => {
    const server = await startServer(true);
    const turns = await probeBehindQueue(server.url);
    const order = await server.order();
    expect(order.filter((u) => u.startsWith("/v1/work/"))).toHaveLength(ORDINARY);

    // The control, measured here on the same machine: the same server without inTurns,
    // where the probe waits behind the whole queue. With inTurns it waits for the slice it
    // arrived in and a few more, so well under half of that whatever the load.
    await worker?.terminate();
    const control = await startServer(false);
    const without = await probeBehindQueue(control.url);
    expect(without.doneBehind).toBeGreaterThan(without.queuedAtSend / 2);
    // The share of the queue answered before the probe, against the control's (about all of
    // it): no absolute share, since a loaded CI machine let 34 of 59 through with inTurns.
    expect(turns.doneBehind / turns.queuedAtSend).toBeLessThan((without.doneBehind / without.queuedAtSend) * 0.9);
    expect(turns.liveMs).toBeLessThan(without.liveMs / 2);
  });

  it("runs queued handlers oldest first, at least one per slice", async () => {
    const ran: number[] = [];
    const listener = inTurns(
      (request: IncomingMessage) => {
        ran.push(Number(request.url));
      },
      { sliceMs: 0, urgentPaths: [] },
    );
    const fake = (n: number) => ({ url: String(n), destroyed: false }) as unknown as IncomingMessage;
    const response = { destroyed: false } as unknown as ServerResponse;
    for (let i = 0; i < 5; i++) listener(fake(i), response);
    expect(ran).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it("runs GET and HEAD requests answered from memory ahead of queued ones, never other methods", async () => {
    const ran: string[] = [];
    const listener = inTurns(
      (request: IncomingMessage) => {
        ran.push(`${request.method ?? ""} ${request.url ?? ""}`);
      },
      { sliceMs: 5, urgentPaths: ["/live"], answersFromMemory: (target) => target === "/cached?x=1" },
    );
    const fake = (method: string, url: string) => ({ method, url, destroyed: false }) as unknown as IncomingMessage;
    const response = { destroyed: false } as unknown as ServerResponse;
    listener(fake("GET", "/work"), response);
    listener(fake("POST", "/cached?x=1"), response);
    listener(fake("GET", "/cached?x=1"), response);
    listener(fake("HEAD", "/cached?x=1"), response);
    listener(fake("GET", "/cached"), response);
    listener(fake("GET", "/live"), response);
    expect(ran).toEqual(["GET /live"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([
      "GET /live",
      "GET /cached?x=1",
      "HEAD /cached?x=1",
      "GET /work",
      "POST /cached?x=1",
      "GET /cached",
    ]);
  });
});
