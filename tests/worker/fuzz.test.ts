// Fuzz (issue 10) inside workerd: the same seeded hostile requests as the Node router's suite
// (tests/integration/fuzz.test.ts), sent one after another to the Worker entry with the
// bindings of wrangler.toml: no 5xx, no thrown error, every 4xx the documented JSON.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import worker from "../../workers/index.js";
import { errorShapeProblem, hostileRequest, type FuzzTarget } from "../helpers/hostile-requests.js";
import { base64Bytes, ORIGIN, shippedManifest } from "./helpers.js";

const SEED = 20_261_202;
/** As many as the Node suite (about 18 s here). */
const REQUESTS = 10_000;

/** Warnings and errors only: thousands of access-log lines would cross the pool's RPC. */
const quiet = { ...env, LOG_LEVEL: "warn" };

async function call(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, quiet, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

function target(): FuzzTarget {
  const manifest = shippedManifest();
  const pngs = inject("fuzzPngs");
  return {
    model: { ...manifest, ...manifest.image },
    // The defaults of MAX_BODY_BYTES and MAX_IMAGE_BYTES (wrangler.toml sets neither).
    maxBodyBytes: 16_384,
    maxImageBytes: 1_048_576,
    goodPng: base64Bytes(pngs.good),
    hostilePngs: pngs.hostile.map(base64Bytes),
  };
}

function bodyOf(body: Uint8Array | undefined, chunkBytes: number | undefined): BodyInit | undefined {
  if (body === undefined || chunkBytes === undefined) return body;
  // No length known up front: the Worker sees a streamed (chunked) body.
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}

describe("fuzz: the Worker", () => {
  it(`answers ${REQUESTS} hostile requests with no 5xx and documented errors`, async () => {
    const fuzz = target();
    const byStatus: Record<string, number> = {};
    const problems: string[] = [];
    let fiveXx = 0;
    let thrown = 0;
    let unexpected = 0;
    let shapeProblems = 0;
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const req = hostileRequest(SEED, i, fuzz);
      let res: Response;
      try {
        const body = bodyOf(req.body, req.chunkBytes);
        res = await call(
          new Request(`${ORIGIN}${req.path}`, {
            method: req.method,
            headers: req.headers,
            ...(body === undefined || req.method === "GET" || req.method === "HEAD" ? {} : { body }),
          }),
        );
      } catch (err) {
        thrown += 1;
        problems.push(`#${i} ${req.kind} ${req.method} ${req.path.slice(0, 80)}: ${String(err)}`);
        continue;
      }
      const text = req.method === "HEAD" ? "" : await res.text();
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      const what = `#${i} ${req.kind} ${req.method} ${req.path.slice(0, 80)} -> ${res.status}`;
      if (res.status >= 500) {
        fiveXx += 1;
        problems.push(`${what} ${text.slice(0, 160)}`);
      } else if (!req.expect.includes(res.status)) {
        unexpected += 1;
        problems.push(`${what} (documented: ${req.expect.join("/")}) ${text.slice(0, 160)}`);
      }
      if (res.status >= 400 && res.status < 500 && req.method !== "HEAD") {
        const problem = errorShapeProblem(res.status, res.headers.get("content-type"), text);
        if (problem !== null) {
          shapeProblems += 1;
          problems.push(`${what}: ${problem}`);
        }
      }
    }
    const figures = {
      seed: SEED,
      requests: REQUESTS,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      statuses: byStatus,
      five_xx: fiveXx,
      thrown,
      undocumented_status: unexpected,
      bad_error_bodies: shapeProblems,
    };
    const recorded = await fetch(`${inject("poolControl")}/figures/fuzz_worker`, {
      method: "POST",
      body: JSON.stringify(figures),
    });
    expect(recorded.status).toBe(204);
    expect(problems.slice(0, 20)).toEqual([]);
    expect(fiveXx + thrown + unexpected + shapeProblems).toBe(0);
  }, 300_000);
});
