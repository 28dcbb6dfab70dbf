// The Node server's held cache hits (src/samples/hot-hits.ts, node/held-answers.ts) against
// the app's own answers, through real sockets: one Node app behind two servers, one that
// answers held hits itself and one that leaves every request to the app. On `npm start`
// defaults and on the public-deployment settings, a held hit must be the app's answer byte
// for byte (status, headers in order, body; the date and request id aside), log the same
// line and count the same metrics. The request quota is one bucket for both paths (shown
// with a quota small enough that its refill does not blur the count), and whatever the held
// path does not answer (a conditional GET, HEAD, a refusal, a cache that no longer holds the
// image) is the app's.

import type { ServerType } from "@hono/node-server";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveHttp } from "../../engine/http/serve.js";
import { parseNodeConfig } from "../../node/config.js";
import { createNodeApp } from "../../node/server.js";
import { LruSampleCache } from "../../src/cache/lru.js";
import { systemClock } from "../../src/clock.js";
import { createJsonLogger } from "../../src/logger.js";
import { HotHits } from "../../src/samples/hot-hits.js";
import { Telemetry } from "../../src/telemetry.js";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";

const API_KEY = "held-test-api-key-0123456789";
const METRICS_TOKEN = "held-test-metrics-token-0123";
const PUBLIC_DEPLOYMENT = {
  URL_SIGNING_KEY: "held-test-url-signing-key-0123456789abcdef",
  API_KEYS: createHash("sha256").update(API_KEY).digest("hex"),
  RATE_LIMIT_REQUESTS_PER_MINUTE: "100000",
  RATE_LIMIT_IMAGES_PER_MINUTE: "100000",
  METRICS_TOKEN,
  CORS_ORIGINS: "https://app.example",
};
const timeouts = { headersMs: 4_000, requestMs: 9_000, keepAliveMs: 3_000 };

interface Answer {
  status: number;
  statusMessage: string;
  /** Name and value pairs as they came off the wire. */
  headers: [string, string][];
  body: Buffer;
}

function get(base: string, target: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // A Host @hono/node-server takes verbatim whatever port the test got (node/held-answers.ts).
    const req = request(
      { host: hostname, port, method, path: target, headers: { host: "localhost", ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const pairs: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            pairs.push([res.rawHeaders[i] ?? "", res.rawHeaders[i + 1] ?? ""]);
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? "",
            headers: pairs,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function header(answer: Answer, name: string): string | undefined {
  return answer.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** What must not differ between two answers: all but Date and X-Request-Id; the quota's numbers as placeholders. */
function comparable(answer: Answer): unknown {
  return {
    status: answer.status,
    statusMessage: answer.statusMessage,
    headers: answer.headers
      .filter(([name]) => !["date", "x-request-id"].includes(name.toLowerCase()))
      .map(([name, value]) => [name, name === "ratelimit" ? value.replace(/r=\d+;t=\d+/, "r=R;t=T") : value]),
    body: answer.body.toString("base64"),
  };
}

/** An app on `env` behind a server that answers held hits and one that does not. */
async function start(env: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-held-"));
  const lines: string[] = [];
  const config = parseNodeConfig({
    MODELS_DIR: FIXTURE_MODELS_DIR,
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
    LOG_LEVEL: "info",
    ...env,
  });
  const logger = createJsonLogger({ level: "info", clock: systemClock, write: (line) => lines.push(line) });
  const node = await createNodeApp(config, logger);
  await node.warmUp();
  const counts = { held: 0 };
  const answerHeld = node.answerHeld;
  if (answerHeld === undefined) throw new Error("the Node app holds no answers");
  const listen = (held: boolean) =>
    new Promise<{ server: ServerType; url: string }>((resolve) => {
      const options = {
        fetch: node.app.fetch,
        port: 0,
        host: "127.0.0.1",
        timeouts,
        answersFromMemory: node.answersFromMemory,
        ...(held
          ? {
              answerHeld: (req: IncomingMessage, res: ServerResponse) => {
                const answered = answerHeld(req, res);
                if (answered) counts.held += 1;
                return answered;
              },
            }
          : {}),
      };
      const server = serveHttp(options, (info: AddressInfo) =>
        resolve({ server, url: `http://127.0.0.1:${info.port}` }),
      );
    });
  const fast = await listen(true);
  const plain = await listen(false);
  return {
    node,
    lines,
    counts,
    fast: fast.url,
    plain: plain.url,
    async stop() {
      await Promise.all([fast, plain].map((s) => new Promise((resolve) => s.server.close(resolve))));
      await node.engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type Running = Awaited<ReturnType<typeof start>>;

/** Computes a sample through POST /v1/samples; its canonical URL as handed out (signed where signing is on). */
async function sampleTarget(app: Running, headers: Record<string, string>, seed: number): Promise<string> {
  const res = await app.node.app.request("/v1/samples", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "tiny-biflow", n: 1, class: "sneaker", seed }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { samples: { url: string }[] };
  const url = new URL(body.samples[0]?.url ?? "");
  return url.pathname + url.search;
}

function accessLine(line: string | undefined): unknown {
  const { time: _time, ms: _ms, request_id: _id, ...rest } = JSON.parse(line ?? "{}") as Record<string, unknown>;
  return rest;
}

describe.each([
  ["npm start defaults", {}, {}],
  ["the public-deployment settings", PUBLIC_DEPLOYMENT, { authorization: `Bearer ${API_KEY}` }],
] as const)("held cache hits on %s", (_name, env, auth) => {
  let app: Running;
  let target: string;

  beforeAll(async () => {
    app = await start(env);
    target = await sampleTarget(app, auth, 7);
    // The app serves the first GET from its cache, which holds the target from then on.
    expect(header(await get(app.plain, target), "x-sample-source")).toBe("cache");
  });
  afterAll(() => app.stop());

  it("answers a held hit exactly as the app does", async () => {
    const before = app.counts.held;
    const plain = await get(app.plain, target);
    const held = await get(app.fast, target);
    const again = await get(app.plain, target);
    expect(app.counts.held).toBe(before + 1);
    expect(held.status).toBe(200);
    expect(header(held, "x-sample-source")).toBe("cache");
    expect(comparable(held)).toEqual(comparable(plain));
    expect(comparable(held)).toEqual(comparable(again));
  });

  it("echoes a plain request id and replaces any other", async () => {
    const before = app.counts.held;
    expect(header(await get(app.fast, target, { "x-request-id": "held-abc_123=" }), "x-request-id")).toBe(
      "held-abc_123=",
    );
    const replaced = header(await get(app.fast, target, { "x-request-id": "not plain!" }), "x-request-id");
    expect(replaced).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(app.counts.held).toBe(before + 2);
  });

  it("writes the app's access-log line and counts the app's metrics", async () => {
    const metrics = async () => {
      const res = await app.node.app.request("/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const text = await res.text();
      const value = (series: string) => Number(new RegExp(`^${series} (\\S+)$`, "m").exec(text)?.[1]);
      return {
        requests: value(
          'biflow_http_requests_total\\{route="/v1/samples/\\{model\\}/\\{class\\}/\\{seed\\}.png",method="GET",status="200"\\}',
        ),
        seconds: value(
          'biflow_http_request_duration_seconds_count\\{route="/v1/samples/\\{model\\}/\\{class\\}/\\{seed\\}.png"\\}',
        ),
        cacheHits: value('biflow_sample_lookups_total\\{layer="cache",result="hit"\\}'),
      };
    };
    await get(app.plain, target, { "x-request-id": "plain-line" });
    const start = await metrics();
    await get(app.fast, target, { "x-request-id": "held-line" });
    await get(app.fast, target);
    expect(await metrics()).toEqual({
      requests: start.requests + 2,
      seconds: start.seconds + 2,
      cacheHits: start.cacheHits + 2,
    });
    // Lines leave at the end of a turn (engine/log-writer.ts is not in this logger): they are here.
    const plainLine = app.lines.find((l) => l.includes('"request_id":"plain-line"'));
    const heldLine = app.lines.find((l) => l.includes('"request_id":"held-line"'));
    expect(accessLine(heldLine)).toEqual(accessLine(plainLine));
    expect(Object.keys(JSON.parse(heldLine ?? "{}") as object)).toEqual(
      Object.keys(JSON.parse(plainLine ?? "{}") as object),
    );
  });

  it("leaves conditional GETs and HEAD to the app", async () => {
    const etag = header(await get(app.plain, target), "etag") ?? "";
    const before = app.counts.held;
    for (const [headers, method] of [
      [{ "if-none-match": etag }, "GET"],
      [{ "if-none-match": '"other"' }, "GET"],
      [{}, "HEAD"],
    ] as const) {
      const held = await get(app.fast, target, headers, method);
      const plain = await get(app.plain, target, headers, method);
      expect(comparable(held)).toEqual(comparable(plain));
    }
    expect(app.counts.held).toBe(before);
  });
});

describe("held cache hits under a small request quota", () => {
  let app: Running;
  let target: string;

  beforeAll(async () => {
    app = await start({ ...PUBLIC_DEPLOYMENT, RATE_LIMIT_REQUESTS_PER_MINUTE: "4" });
    // POST /v1/samples goes through app.request(), which has no client address: its own bucket.
    target = await sampleTarget(app, { authorization: `Bearer ${API_KEY}` }, 8);
  });
  afterAll(() => app.stop());

  it("takes from the app's bucket and leaves the refusal to the app", async () => {
    const answers = [
      await get(app.plain, target),
      await get(app.fast, target),
      await get(app.plain, target),
      await get(app.fast, target),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((a) => /r=(\d+)/.exec(header(a, "ratelimit") ?? "")?.[1])).toEqual(["3", "2", "1", "0"]);
    expect(app.counts.held).toBe(2);
    const refusedHeld = await get(app.fast, target);
    const refusedPlain = await get(app.plain, target);
    expect(refusedHeld.status).toBe(429);
    expect(app.counts.held).toBe(2);
    const withoutBody = (a: Answer) => ({
      ...(comparable(a) as object),
      body: JSON.parse(a.body.toString()) as unknown,
    });
    expect(withoutBody(refusedHeld)).toEqual(withoutBody(refusedPlain));
  });
});

describe("HotHits", () => {
  const hits = (cache: LruSampleCache) =>
    new HotHits({
      cache,
      telemetry: new Telemetry(),
      logger: createJsonLogger({ level: "error", clock: systemClock, write: () => undefined }),
      clock: systemClock,
      route: "/route",
      requestIdMaxLength: 128,
    });
  const request = { target: "/t?x=1", requestIdHeader: undefined, clientAddress: undefined };

  it("answers only while the cache holds the bytes it kept", async () => {
    const cache = new LruSampleCache(1 << 20);
    const held = hits(cache);
    held.remember("/t?x=1", "k", "public");
    expect(held.answer(request)).toBeUndefined();
    await cache.put("k", { bytes: new Uint8Array([1, 2, 3]), etag: '"a"' });
    held.remember("/t?x=1", "k", "public");
    expect(held.answer(request)?.body).toEqual(new Uint8Array([1, 2, 3]));
    expect(held.answer({ ...request, target: "/t?x=2" })).toBeUndefined();
    // Put again (a store read after an eviction): another object, so the app answers, and keeps it afresh.
    await cache.put("k", { bytes: new Uint8Array([1, 2, 3]), etag: '"a"' });
    expect(held.answer(request)).toBeUndefined();
    expect(held.answer(request)).toBeUndefined();
  });
});
