// One GPU backend as the pool sees it: health (models it serves), requests in flight, a
// circuit breaker, and signed attempts whose result says whether another try may help.

import type { Clock } from "../clock.js";
import {
  BackendReadySchema,
  GENERATE_PATH,
  GenerateResponseSchema,
  type GenerateRequest,
  type GenerateResponse,
} from "../contract/backend-v1.js";
import { signRequest } from "../contract/signing.js";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import type { AttemptOutcome, PoolMetrics } from "./metrics.js";

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface BackendDeps {
  fetch: Fetch;
  clock: Clock;
  key: Promise<CryptoKey>;
  metrics: PoolMetrics;
  healthTimeoutMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
}

export type AttemptResult =
  { ok: true; response: GenerateResponse } | { ok: false; outcome: AttemptOutcome; retryable: boolean; detail: string };

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };
const utf8 = new TextEncoder();

class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

/** Runs `fn` with a signal that aborts after `ms`; the timer never outlives the call. */
async function withAbort<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout(`no answer within ${ms} ms`)), ms);
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

function errorType(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const { error } = body;
  if (typeof error !== "object" || error === null || !("type" in error)) return undefined;
  return typeof error.type === "string" ? error.type : undefined;
}

export class Backend {
  /** host:port only: URLs may carry credentials, labels and logs must not. */
  readonly label: string;
  outstanding = 0;
  /** Set by health checks; a connection error clears it until the next passing check. */
  up = false;
  private models = new Set<string>();
  private readonly breaker: CircuitBreaker;

  constructor(
    readonly url: string,
    private readonly deps: BackendDeps,
  ) {
    this.label = new URL(url).host;
    this.breaker = new CircuitBreaker(deps.breakerFailures, deps.breakerOpenMs);
    this.publish();
  }

  serves(ref: string): boolean {
    return this.models.has(ref);
  }

  /** Up, serving the model, and its breaker lets a request through now. */
  eligible(ref: string): boolean {
    return this.up && this.serves(ref) && this.breaker.canPass(this.deps.clock.now());
  }

  breakerState(): BreakerState {
    return this.breaker.state(this.deps.clock.now());
  }

  /** GET /health/ready: up when it answers 200 with the models it has loaded. */
  async check(): Promise<void> {
    try {
      const body = await withAbort(this.deps.healthTimeoutMs, async (signal) => {
        const res = await this.deps.fetch(`${this.url}/health/ready`, { method: "GET", signal });
        return res.ok ? BackendReadySchema.parse(await res.json()) : undefined;
      });
      this.up = body !== undefined;
      this.models = new Set(body?.models.map((m) => `${m.id}@${m.version}`) ?? []);
    } catch {
      this.up = false;
    }
    this.publish();
  }

  /** One signed POST /v1/generate, abandoned after `timeoutMs`. */
  async generate(request: GenerateRequest, timeoutMs: number): Promise<AttemptResult> {
    const { clock } = this.deps;
    const body = utf8.encode(JSON.stringify(request));
    const headers = await signRequest(await this.deps.key, { method: "POST", path: GENERATE_PATH, body }, clock.now());
    this.breaker.onSend(clock.now());
    this.outstanding += 1;
    this.publish();
    let result: AttemptResult;
    try {
      result = await withAbort(timeoutMs, async (signal) => {
        const res = await this.deps.fetch(`${this.url}${GENERATE_PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
          signal,
        });
        return this.interpret(res, request);
      });
    } catch (err) {
      const timedOut = err instanceof AttemptTimeout || (err instanceof Error && err.name === "AbortError");
      result = timedOut
        ? { ok: false, outcome: "timeout", retryable: true, detail: `no answer within ${timeoutMs} ms` }
        : {
            ok: false,
            outcome: "connection_error",
            retryable: true,
            detail: err instanceof Error ? err.name : "error",
          };
      // Refused or reset: stop choosing it until a health check passes again.
      if (!timedOut) this.up = false;
    } finally {
      this.outstanding -= 1;
    }
    this.record(result);
    return result;
  }

  private async interpret(res: Response, request: GenerateRequest): Promise<AttemptResult> {
    const json: unknown = await res.json().catch(() => undefined);
    if (res.ok) {
      const parsed = GenerateResponseSchema.safeParse(json);
      if (parsed.success && parsed.data.samples.length === request.seeds.length)
        return { ok: true, response: parsed.data };
      return { ok: false, outcome: "bad_response", retryable: true, detail: "response breaks contract 1" };
    }
    const type = errorType(json) ?? `http_${res.status}`;
    if (res.status === 404 && type === "model_not_found") {
      // Its model set changed since the last health check (e.g. a refused file).
      this.models.delete(`${request.model}@${request.version}`);
      return { ok: false, outcome: "not_found", retryable: true, detail: type };
    }
    if (res.status === 503) return { ok: false, outcome: "overloaded", retryable: true, detail: type };
    if (res.status >= 500) return { ok: false, outcome: "server_error", retryable: true, detail: type };
    // 400 and 401 mean the router and backend disagree (contract, secret): a retry cannot help.
    return { ok: false, outcome: "rejected", retryable: false, detail: type };
  }

  private record(result: AttemptResult): void {
    const outcome = result.ok ? "ok" : result.outcome;
    const now = this.deps.clock.now();
    if (outcome === "ok") this.breaker.onSuccess();
    else if (outcome === "overloaded" || outcome === "not_found" || outcome === "rejected") this.breaker.onNeutral();
    else this.breaker.onFailure(now);
    this.deps.metrics.attempts.inc({ backend: this.label, outcome });
    this.publish();
  }

  private publish(): void {
    const labels = { backend: this.label };
    this.deps.metrics.up.set(labels, this.up ? 1 : 0);
    this.deps.metrics.outstanding.set(labels, this.outstanding);
    this.deps.metrics.breaker.set(labels, BREAKER_VALUE[this.breakerState()]);
  }
}
