// The signed readiness probe of one backend (GET /v1/handshake): whether it will accept
// this router's requests now, which models it serves, and if not, a cause a person can act on.

import { BackendReadySchema, HANDSHAKE_PATH } from "../contract/backend-v1.js";
import { signRequest } from "../contract/signing.js";
import { errorMessage, errorType, isTimeout, withAbort } from "./backend-http.js";

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Why a backend cannot be used; `unauthorized` and `no_handshake` need a person, not time. */
export type ProbeCause = "unauthorized" | "no_handshake" | "not_ready" | "unreachable" | "timeout" | "bad_response";

export type ProbeResult =
  | {
      ok: true;
      models: readonly string[];
      /** Samplers per model ref that the backend announced (absent for a backend older than contract 2). */
      samplers: Readonly<Record<string, readonly string[]>>;
      /** The contracts it speaks (`contracts`, else its one `contract`). */
      contracts: readonly number[];
    }
  | { ok: false; cause: ProbeCause; detail: string };

export interface ProbeDeps {
  fetch: Fetch;
  key: Promise<CryptoKey>;
  /** Wall-clock milliseconds, for the signature's timestamp. */
  now: () => number;
  timeoutMs: number;
}

const EMPTY = new Uint8Array(0);

/** The cause of a 401 from a backend, with what to check: the secret, or the clocks when stale. */
export function refusedDetail(body: unknown): string {
  const message = errorMessage(body) ?? "unauthorized";
  const hint = /timestamp/.test(message)
    ? "the router's and the backend's clocks differ by more than 60 s"
    : "BACKEND_SECRET differs from the backend's";
  return `the backend refused the router's signature (401: ${message}): ${hint}`;
}

async function interpret(res: Response): Promise<ProbeResult> {
  const json: unknown = await res.json().catch(() => undefined);
  if (res.status === 401) return { ok: false, cause: "unauthorized", detail: refusedDetail(json) };
  if (res.status === 404 && errorType(json) === "not_found") {
    return {
      ok: false,
      cause: "no_handshake",
      detail: `the backend has no ${HANDSHAKE_PATH} (404): it is older than this router; upgrade it`,
    };
  }
  const ready = BackendReadySchema.safeParse(json);
  if (res.status === 503) return { ok: false, cause: "not_ready", detail: "the backend is not ready (503)" };
  if (!res.ok) return { ok: false, cause: "bad_response", detail: `the handshake answered ${res.status}` };
  if (!ready.success) return { ok: false, cause: "bad_response", detail: "the handshake's answer breaks contract 1" };
  const samplers: Record<string, readonly string[]> = {};
  for (const m of ready.data.models) if (m.samplers !== undefined) samplers[`${m.id}@${m.version}`] = m.samplers;
  return {
    ok: true,
    models: ready.data.models.map((m) => `${m.id}@${m.version}`),
    samplers,
    contracts: ready.data.contracts ?? [ready.data.contract],
  };
}

/** One signed GET /v1/handshake of the backend at `url`, abandoned after `timeoutMs`. */
export async function probeBackend(url: string, deps: ProbeDeps): Promise<ProbeResult> {
  try {
    return await withAbort(deps.timeoutMs, async (signal) => {
      const headers = await signRequest(
        await deps.key,
        { method: "GET", path: HANDSHAKE_PATH, body: EMPTY },
        deps.now(),
      );
      return interpret(await deps.fetch(`${url}${HANDSHAKE_PATH}`, { method: "GET", headers, signal }));
    });
  } catch (err) {
    if (isTimeout(err)) return { ok: false, cause: "timeout", detail: `no answer within ${deps.timeoutMs} ms` };
    const name = err instanceof Error ? err.name : "error";
    return { ok: false, cause: "unreachable", detail: `the backend is unreachable (${name})` };
  }
}
