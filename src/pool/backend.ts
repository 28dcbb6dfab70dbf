// One GPU backend as the pool sees it: signed health (models it serves, or why it is
// unusable), requests in flight, a circuit breaker, and signed attempts whose result says
// whether another try may help.

import type { Clock } from "../clock.js";
import {
  CONTRACT_VERSION,
  GENERATE_PATH,
  GenerateResponseSchema,
  SAMPLER_CONTRACT_VERSION,
  type GenerateRequest,
  type GenerateResponse,
} from "../contract/backend-v1.js";
import { signRequest } from "../contract/signing.js";
import type { Logger } from "../logger.js";
import { errorType, isTimeout, withAbort } from "./backend-http.js";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import type { AttemptOutcome, PoolMetrics } from "./metrics.js";
import { probeBackend, refusedDetail, type Fetch, type ProbeCause } from "./probe.js";

export type { Fetch } from "./probe.js";

export interface BackendDeps {
  fetch: Fetch;
  clock: Clock;
  key: Promise<CryptoKey>;
  metrics: PoolMetrics;
  logger: Logger;
  healthTimeoutMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
}

/** What the pool's health owner (a timer on Node, a Durable Object on Workers) says of a backend. */
export interface BackendHealth {
  url: string;
  /** Its last signed probe passed. */
  up: boolean;
  /** When that probe started (Unix ms): a snapshot older than a local failure does not revive it. */
  probedAt: number;
  /** `id@version` of every model it serves. */
  models: string[];
  /** The samplers it announced per model ref; a ref absent here runs G's one pass only. */
  samplers?: Record<string, string[]> | undefined;
  /** The contracts it speaks; absent: 1 and 2 (a snapshot of an owner older than contract 3). */
  contracts?: number[] | undefined;
  /** The breaker as the owner sees it, over the outcomes every isolate reported. */
  breaker: BreakerState;
  /** Requests in flight on it from the other isolates that reported them. */
  outstanding: number;
  /** Why it is not up, as its probe found (named by the isolates' readiness check). */
  problem?: { cause: ProbeCause; detail: string } | undefined;
}

export type AttemptResult =
  { ok: true; response: GenerateResponse } | { ok: false; outcome: AttemptOutcome; retryable: boolean; detail: string };

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };
const utf8 = new TextEncoder();

export class Backend {
  /**
   * Its position in GPU_BACKEND_URLS: what /metrics and /health/ready call it, since those
   * may be public and must not name hosts (issue 9).
   */
  readonly label: string;
  /** host:port only, for the operator's logs: URLs may carry credentials, logs must not. */
  readonly host: string;
  outstanding = 0;
  /** Set by health checks; a connection error clears it until the next passing check. */
  up = false;
  /** Why it is not up (from the last probe or a refused request); undefined while up. */
  problem: { cause: ProbeCause; detail: string } | undefined;
  /** Requests other isolates have in flight here (from the owner's snapshot; 0 on Node). */
  private remoteOutstanding = 0;
  /** The owner's breaker is open: other isolates saw it fail (never set on Node). */
  private remoteOpen = false;
  /** When a failed request last marked it unusable (Unix ms). */
  private downAt = 0;
  private probedAt = 0;
  private models = new Set<string>();
  /** Samplers beyond G's one pass it announced, per model ref (contract 2). */
  private samplers: Record<string, string[]> = {};
  /** The contracts its last probe announced. */
  private contracts: number[] = [];
  private readonly breaker: CircuitBreaker;

  constructor(
    readonly url: string,
    index: number,
    private readonly deps: BackendDeps,
  ) {
    this.label = String(index);
    this.host = new URL(url).host;
    this.breaker = new CircuitBreaker(deps.breakerFailures, deps.breakerOpenMs);
    this.publish();
  }

  /** Serves the model with this sampler: G for any model it serves, others as announced. */
  serves(ref: string, kind = "g"): boolean {
    return this.models.has(ref) && (kind === "g" || (this.samplers[ref] ?? []).includes(kind));
  }

  /** It announced `contract` (3: decodes given noise). */
  speaks(contract: number): boolean {
    return this.contracts.includes(contract);
  }

  /** Up, serving the model and sampler, and its breaker (and the owner's) lets a request through now. */
  eligible(ref: string, kind = "g"): boolean {
    return this.up && !this.remoteOpen && this.serves(ref, kind) && this.breaker.canPass(this.deps.clock.now());
  }

  /** Requests in flight here, ours and (from the owner's snapshot) other isolates'. */
  load(): number {
    return this.outstanding + this.remoteOutstanding;
  }

  breakerState(): BreakerState {
    return this.breaker.state(this.deps.clock.now());
  }

  /** This backend's health, as the owner publishes it in a snapshot. */
  health(): BackendHealth {
    return {
      url: this.url,
      up: this.up,
      probedAt: this.probedAt,
      models: [...this.models],
      samplers: this.samplers,
      contracts: this.contracts,
      breaker: this.breakerState(),
      outstanding: this.outstanding,
      ...(this.problem === undefined ? {} : { problem: this.problem }),
    };
  }

  /**
   * Takes the owner's view (Workers: the Durable Object's snapshot). A probe older than
   * our last failed request does not bring the backend back: passive health wins until a
   * newer probe passes.
   */
  applyHealth(health: BackendHealth): void {
    if (health.probedAt > this.downAt) {
      this.up = health.up;
      this.models = new Set(health.models);
      this.samplers = health.samplers ?? {};
      this.contracts = health.contracts ?? (health.up ? [CONTRACT_VERSION, SAMPLER_CONTRACT_VERSION] : []);
      this.probedAt = health.probedAt;
      this.problem = health.problem;
    }
    this.remoteOpen = health.breaker === "open";
    this.remoteOutstanding = health.outstanding;
    this.publish();
  }

  /** How an attempt of some isolate ended (reported to the owner): feeds the shared breaker. */
  report(outcome: AttemptOutcome): void {
    this.record(outcome);
  }

  /**
   * The signed probe (GET /v1/handshake): up when the backend accepts this router's
   * signature and is ready. A change of state is logged once, so a wrong BACKEND_SECRET
   * is one error line at start, not one per request.
   */
  async check(): Promise<void> {
    this.probedAt = this.deps.clock.now();
    const result = await probeBackend(this.url, {
      fetch: this.deps.fetch,
      key: this.deps.key,
      now: () => this.deps.clock.now(),
      timeoutMs: this.deps.healthTimeoutMs,
    });
    if (result.ok) {
      if (this.problem !== undefined) {
        this.deps.logger.info("backend usable again", { backend: this.host });
      }
      this.up = true;
      this.problem = undefined;
      this.models = new Set(result.models);
      this.samplers = Object.fromEntries(Object.entries(result.samplers).map(([k, v]) => [k, [...v]]));
      this.contracts = [...result.contracts];
    } else {
      this.markUnusable(result.cause, result.detail);
    }
    this.publish();
  }

  private markUnusable(cause: ProbeCause, detail: string): void {
    const changed = this.problem?.cause !== cause;
    this.up = false;
    this.downAt = this.deps.clock.now();
    this.models.clear();
    this.samplers = {};
    this.contracts = [];
    this.problem = { cause, detail };
    if (!changed) return;
    const fields = { backend: this.host, cause, detail };
    if (cause === "unauthorized" || cause === "no_handshake") this.deps.logger.error("backend unusable", fields);
    else this.deps.logger.warn("backend unusable", fields);
  }

  /** One signed POST /v1/generate, abandoned after `timeoutMs`; `requestId` travels as X-Request-Id. */
  async generate(request: GenerateRequest, timeoutMs: number, requestId?: string): Promise<AttemptResult> {
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
          headers: {
            "content-type": "application/json",
            ...headers,
            ...(requestId === undefined ? {} : { "x-request-id": requestId }),
          },
          body,
          signal,
        });
        return this.interpret(res, request);
      });
    } catch (err) {
      const timedOut = isTimeout(err);
      result = timedOut
        ? { ok: false, outcome: "timeout", retryable: true, detail: `no answer within ${timeoutMs} ms` }
        : {
            ok: false,
            outcome: "connection_error",
            retryable: true,
            detail: err instanceof Error ? err.name : "error",
          };
      // Refused or reset: stop choosing it until a health check passes again.
      if (!timedOut) this.markUnusable("unreachable", `the backend is unreachable (${result.detail})`);
    } finally {
      this.outstanding -= 1;
    }
    this.record(result.ok ? "ok" : result.outcome);
    return result;
  }

  private async interpret(res: Response, request: GenerateRequest): Promise<AttemptResult> {
    const json: unknown = await res.json().catch(() => undefined);
    if (res.ok) {
      const parsed = GenerateResponseSchema.safeParse(json);
      if (parsed.success && parsed.data.samples.length === request.seeds.length)
        return { ok: true, response: parsed.data };
      return {
        ok: false,
        outcome: "bad_response",
        retryable: true,
        detail: `response breaks contract ${request.contract}`,
      };
    }
    const type = errorType(json) ?? `http_${res.status}`;
    if (res.status === 404 && type === "model_not_found") {
      // Its model set changed since the last health check (e.g. a refused file).
      this.models.delete(`${request.model}@${request.version}`);
      return { ok: false, outcome: "not_found", retryable: true, detail: type };
    }
    if (res.status === 503) return { ok: false, outcome: "overloaded", retryable: true, detail: type };
    if (res.status === 422 && type === "sampler_not_available") {
      // It no longer runs the sampler (a step file refused): stop sending it until a probe says otherwise.
      const ref = `${request.model}@${request.version}`;
      this.samplers[ref] = (this.samplers[ref] ?? []).filter((k) => k !== request.sampler?.kind);
      return { ok: false, outcome: "not_found", retryable: true, detail: type };
    }
    if (res.status >= 500) return { ok: false, outcome: "server_error", retryable: true, detail: type };
    if (res.status === 401) {
      // The secret (or clock) disagrees: unusable until a signed probe passes; others may serve.
      this.markUnusable("unauthorized", refusedDetail(json));
      return { ok: false, outcome: "rejected", retryable: true, detail: type };
    }
    // 400 means the router and backend disagree on the contract: a retry cannot help.
    return { ok: false, outcome: "rejected", retryable: false, detail: type };
  }

  private record(outcome: AttemptOutcome): void {
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
