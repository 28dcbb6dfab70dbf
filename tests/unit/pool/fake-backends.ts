// In-memory GPU backends behind a fetch function, for the pool's unit tests: each checks
// the request's signature and answers by a per-backend script (ok, 5xx, refuse, hang).

import { toBase64 } from "../../../src/bytes.js";
import {
  CONTRACT_VERSION,
  GenerateRequestSchema,
  type GenerateRequest,
  type GenerateResponse,
} from "../../../src/contract/backend-v1.js";
import { importSigningKey, verifyRequest } from "../../../src/contract/signing.js";
import { sampleKey } from "../../../src/keys.js";
import type { Fetch } from "../../../src/pool/backend.js";

export const SECRET = "pool-test-secret-0123456789abcdef";

/** What a backend does with the next /v1/generate: answer, fail, or never answer. */
export type Behaviour = "ok" | "500" | "503" | "401" | "404" | "refuse" | "hang" | "bad-key";

export interface FakeBackend {
  url: string;
  models: { id: string; version: string }[];
  ready: boolean;
  /** Behaviours for successive requests; the last one repeats. */
  script: Behaviour[];
  requests: GenerateRequest[];
  /** Resolvers of requests held by a "hang" behaviour, to release them in order. */
  held: (() => void)[];
  /** The secret it verifies signatures with (SECRET unless a test misconfigures it). */
  secret: string;
  /** The contracts its handshake lists; absent: only `contract: 1` (an old backend). */
  contracts?: number[];
}

export function fakeBackend(url: string, models: { id: string; version: string }[], script: Behaviour[] = ["ok"]) {
  const backend: FakeBackend = { url, models, ready: true, script, requests: [], held: [], secret: SECRET };
  return backend;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function answer(request: GenerateRequest, corruptKeys: boolean): GenerateResponse {
  return {
    contract: CONTRACT_VERSION,
    model: request.model,
    version: request.version,
    execution_provider: "cpu",
    batch_size: request.seeds.length,
    batches: 1,
    stored: request.output !== "inline",
    timings_ms: { queue: 1, inference: 2, encode: 0.5, upload: 0, total: 4 },
    samples: request.seeds.map((seed) => ({
      seed,
      key: sampleKey({
        modelId: request.model,
        version: request.version,
        classIndex: request.class,
        seed: corruptKeys ? seed + 1 : seed,
        guidance: request.guidance,
      }),
      png: toBase64(new Uint8Array([seed & 0xff, 1, 2, 3])),
    })),
  };
}

/** What the real backend answers to a signature that does not verify. */
function refused(): Response {
  return json({ error: { type: "unauthorized", message: "the request's signature does not match" } }, 401);
}

function errorBody(type: string, status: number): Response {
  return json({ error: { type, message: type, param: null } }, status);
}

/** A fetch that routes by URL prefix to the fake backends; unknown hosts refuse connections. */
export function fakeFetch(backends: readonly FakeBackend[], nowMs: () => number): Fetch {
  return async (input, init) => {
    const backend = backends.find((b) => input.startsWith(b.url));
    if (backend === undefined) throw new TypeError("fetch failed");
    const path = input.slice(backend.url.length);
    const method = init.method ?? "GET";
    const body =
      init.body === undefined || init.body === null ? new Uint8Array(0) : new Uint8Array(init.body as Uint8Array);
    const headers = new Headers(init.headers);
    const verified = await verifyRequest(
      await importSigningKey(backend.secret),
      { method, path, body },
      (n) => headers.get(n) ?? undefined,
      nowMs(),
    );
    if (!verified.ok) return refused();
    if (method === "GET" && path === "/v1/handshake") {
      if (!backend.ready) return json({ status: "not_ready", contract: 1, models: [] }, 503);
      return json({
        status: "ready",
        contract: 1,
        ...(backend.contracts === undefined ? {} : { contracts: backend.contracts }),
        models: backend.models.map((m) => ({ ...m, execution_provider: "cpu" })),
      });
    }
    const request = GenerateRequestSchema.parse(JSON.parse(new TextDecoder().decode(body)));
    backend.requests.push(request);
    const behaviour = backend.script[Math.min(backend.requests.length - 1, backend.script.length - 1)] ?? "ok";
    switch (behaviour) {
      case "ok":
      case "bad-key":
        return json(answer(request, behaviour === "bad-key"));
      case "500":
        return errorBody("internal", 500);
      case "503":
        return errorBody("overloaded", 503);
      case "401":
        return refused();
      case "404":
        return errorBody("model_not_found", 404);
      case "refuse":
        throw new TypeError("fetch failed");
      case "hang":
        return new Promise<Response>((resolve, reject) => {
          backend.held.push(() => resolve(json(answer(request, false))));
          // fetch rejects with the signal's reason when aborted; ours are Errors.
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error));
        });
    }
  };
}
