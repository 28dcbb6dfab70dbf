// engine/http/turns.ts on a real HTTP server: while ordinary requests, each holding the
// event loop for 5 ms, wait in the queue, a /health/live that arrives behind them runs after at
// most a few of them (the slices under way), not after the whole queue. Measured on the server
// (the order in which requests arrived and ran), not by client timings, which a loaded machine
// stretches (CI saw 34 of 59 answered before a probe that the server had run at once). Ordinary
// requests still run in arrival order; GET/HEAD requests answered from memory run ahead of them.

import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { inTurns } from "../../../engine/http/turns.js";
import { ROOT } from "../../helpers/fixtures.js";

const BUSY_MS = 5;
const ORDINARY = 60;
/** The probe is sent once this many ordinary requests wait in the server's queue. */
const QUEUED = 20;

/**
 * The server runs in a worker thread, so its busy handlers hold its own event loop and not
 * the test's clients. Every request's arrival is logged as the server parses it (a listener
 * placed before inTurns), every run as its handler runs; the handler holds the loop BUSY_MS
 * (none for /health/live). It tells the test when QUEUED requests wait, and its log on request.
 */
function serverSource(): string {
  return `
    const { parentPort } = require("node:worker_threads");
    const { createServer } = require("node:http");
    require("tsx/cjs");
    const { inTurns, OPERATIONS_PATHS } = require(${JSON.stringify(path.join(ROOT, "engine/http/turns.ts"))});
    const log = [];
    let arrived = 0, ran = 0, told = false;
    const listener = (request, response) => {
      const end = performance.now() + (request.url === "/health/live" ? 0 : ${BUSY_MS});
      while (performance.now() < end) {}
      ran += 1;
      log.push("ran " + request.url);
      response.end("ok");
    };
    const server = createServer();
    server.on("request", (request) => {
      arrived += 1;
      log.push("arrived " + request.url);
      if (!told && arrived - ran >= ${QUEUED}) {
        told = true;
        parentPort.postMessage({ queued: arrived - ran });
      }
    });
    server.on("request", inTurns(listener, { sliceMs: 5, urgentPaths: OPERATIONS_PATHS }));
    server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
    parentPort.on("message", () => parentPort.postMessage({ log }));
  `;
}

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.terminate();
  worker = undefined;
});

function nextMessage<T>(from: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    from.once("message", resolve);
    from.once("error", reject);
  });
}

describe("inTurns", () => {
  it("answers an operations path ahead of queued handlers, which keep arrival order", async () => {
    const started = new Worker(serverSource(), { eval: true });
    worker = started;
    const { port } = await nextMessage<{ port: number }>(started);
    const url = `http://127.0.0.1:${port}`;
    const queued = nextMessage<{ queued: number }>(started);
    const ordinary = Array.from({ length: ORDINARY }, (_, i) =>
      fetch(`${url}/v1/work/${i}`, { headers: { connection: "close" } }).then((r) => r.text()),
    );
    expect((await queued).queued).toBeGreaterThanOrEqual(QUEUED);
    const live = await fetch(`${url}/health/live`, { headers: { connection: "close" } });
    expect(live.status).toBe(200);
    await Promise.all(ordinary);
    const reply = nextMessage<{ log: string[] }>(started);
    started.postMessage("log");
    const { log } = await reply;

    const arrivedAt = log.indexOf("arrived /health/live");
    const ranAt = log.indexOf("ran /health/live");
    expect(arrivedAt).toBeGreaterThan(0);
    const before = log.slice(0, arrivedAt);
    const waiting =
      before.filter((e) => e.startsWith("arrived /v1/")).length - before.filter((e) => e.startsWith("ran /v1/")).length;
    // Work waited in the queue when the probe came; a FIFO would have run all of it first.
    expect(waiting).toBeGreaterThanOrEqual(QUEUED / 2);
    const ranBetween = log.slice(arrivedAt, ranAt).filter((e) => e.startsWith("ran /v1/")).length;
    expect(ranBetween).toBeLessThanOrEqual(3);
    // Ordinary requests ran in the order they arrived.
    const arrivals = log.filter((e) => e.startsWith("arrived /v1/")).map((e) => e.slice(8));
    const runs = log.filter((e) => e.startsWith("ran /v1/")).map((e) => e.slice(4));
    expect(runs).toEqual(arrivals);
    expect(runs).toHaveLength(ORDINARY);
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
