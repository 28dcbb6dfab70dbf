// The Sampler over a pool of GPU backends: least-outstanding choice among healthy ones
// that serve the model, at most two attempts per backend on connection errors and 5xx,
// all within the request's deadline, with periodic health checks.

import { fromBase64 } from "../bytes.js";
import { systemClock, type Clock } from "../clock.js";
import {
  CONTRACT_VERSION,
  MAX_SEEDS,
  NOISE_CONTRACT_VERSION,
  SAMPLER_CONTRACT_VERSION,
  type GenerateRequest,
  type GenerateResponse,
} from "../contract/backend-v1.js";
import type { SamplerKind } from "../flow/samplers.js";
import { DEFAULT_SAMPLER, type SamplerSpec } from "../samples/canonical.js";
import { importSigningKey } from "../contract/signing.js";
import { ApiError } from "../errors.js";
import { sampleKey } from "../keys.js";
import { silentLogger, type Logger } from "../logger.js";
import type { Registry } from "../metrics.js";
import type { ModelEntry } from "../models/registry.js";
import type { SampleBatch, SampledImage, Sampler, SamplerHealth } from "../sampler.js";
import { Backend, type BackendHealth, type Fetch } from "./backend.js";
import type { PoolConfig } from "./config.js";
import { PoolMetrics, type AttemptOutcome } from "./metrics.js";

/** A canonical sampler as contract 2 carries it. */
function wireSampler(spec: SamplerSpec): NonNullable<GenerateRequest["sampler"]> {
  return spec.kind === "jacobi"
    ? { kind: "jacobi", iterations: [...spec.iterations], tolerance: spec.tolerance }
    : { kind: spec.kind };
}

/** "At most once more per backend": a backend gets at most two attempts per request. */
export const ATTEMPTS_PER_BACKEND = 2;

export interface PoolSamplerOptions {
  config: PoolConfig;
  /** The whole budget of one sample() call, across attempts (the router's SAMPLE_TIMEOUT_MS). */
  deadlineMs: number;
  registry: Registry;
  fetch?: Fetch;
  clock?: Clock;
  logger?: Logger;
  /** Told of every attempt (Workers: reported to the Durable Object that owns the pool's state). */
  observer?: AttemptObserver;
}

export interface AttemptObserver {
  begin(url: string): void;
  end(url: string, outcome: AttemptOutcome): void;
}

export class PoolSampler implements Sampler {
  readonly name = "gpu-pool";
  readonly backends: readonly Backend[];
  private readonly metrics: PoolMetrics;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Rotates the start of the least-outstanding scan so ties do not all go to one backend. */
  private turn = 0;

  constructor(private readonly options: PoolSamplerOptions) {
    const { config } = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.metrics = new PoolMetrics(options.registry);
    const key = importSigningKey(config.secret);
    // Observed here so a bad key cannot be an unhandled rejection before the first request.
    key.catch((err: unknown) => this.logger.error("backend signing key unusable", { error: err }));
    const deps = {
      fetch: options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init)),
      clock: this.clock,
      key,
      metrics: this.metrics,
      logger: this.logger,
      healthTimeoutMs: config.healthTimeoutMs,
      breakerFailures: config.breakerFailures,
      breakerOpenMs: config.breakerOpenMs,
    };
    this.backends = config.urls.map((url, i) => new Backend(url, i, deps));
  }

  /** GPU-placed models, while some backend can take them now with this sampler. */
  accepts(model: ModelEntry, count: number, kind: SamplerKind = "g"): boolean {
    return (
      model.manifest.placements.includes("gpu") &&
      count <= MAX_SEEDS &&
      this.backends.some((b) => b.eligible(model.ref, kind))
    );
  }

  /** Some backend announced the sampler for the model (contract 2), up or not. */
  runs(model: ModelEntry, kind: SamplerKind): boolean {
    return model.manifest.placements.includes("gpu") && this.backends.some((b) => b.serves(model.ref, kind));
  }

  /** Takes health from the pool's owner instead of checking (Workers: the Durable Object). */
  applyHealth(health: readonly BackendHealth[]): void {
    for (const b of this.backends) {
      const h = health.find((x) => x.url === b.url);
      if (h !== undefined) b.applyHealth(h);
    }
  }

  /** Checks every backend once (in parallel). */
  async checkAll(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.check()));
  }

  /** Health checks every healthIntervalMs until stop(); the first runs now. */
  start(): Promise<void> {
    this.stop();
    this.timer = setInterval(() => void this.checkAll(), this.options.config.healthIntervalMs);
    return this.checkAll();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Names every backend: up ones with their breaker state, the others with their cause. */
  health(): Promise<SamplerHealth> {
    const up = this.backends.filter((b) => b.up);
    const down = this.backends.filter((b) => !b.up && b.problem !== undefined);
    const parts = [
      ...up.map((b) => `backend ${b.label} (${b.breakerState()})`),
      ...down.map((b) => `backend ${b.label} unusable: ${b.problem?.detail ?? ""}`),
    ];
    const detail = `${up.length}/${this.backends.length} backends up${parts.length > 0 ? `: ${parts.join("; ")}` : ""}`;
    return Promise.resolve({ ok: up.length > 0, detail });
  }

  async sample(batch: SampleBatch): Promise<SampledImage[]> {
    const { manifest } = batch.model;
    const classIndex = batch.classInput === manifest.null_class ? null : batch.classInput;
    const sampler = batch.sampler ?? DEFAULT_SAMPLER;
    const keys = batch.seeds.map((seed) =>
      sampleKey({
        modelId: manifest.id,
        version: manifest.version,
        classIndex,
        seed,
        guidance: batch.guidance,
        sampler,
      }),
    );
    // G goes as contract 1, which every backend speaks; other samplers need contract 2.
    const request: Omit<GenerateRequest, "timeout_ms"> = {
      ...(sampler.kind === "g"
        ? { contract: CONTRACT_VERSION }
        : { contract: SAMPLER_CONTRACT_VERSION, sampler: wireSampler(sampler) }),
      model: manifest.id,
      version: manifest.version,
      class: classIndex,
      guidance: batch.guidance,
      seeds: [...batch.seeds],
      output: this.options.config.backendUploads ? "s3+inline" : "inline",
    };
    const response = await this.attempt(batch.model.ref, sampler.kind, request, batch.requestId);
    this.metrics.batchSize.observe({}, response.batch_size);
    return response.samples.map((s, i) => {
      if (s.seed !== batch.seeds[i] || s.key !== keys[i] || s.png === undefined) {
        throw new ApiError("internal", "internal error", {
          cause: new Error(`backend answered sample ${i} with seed ${s.seed}, key ${s.key}`),
        });
      }
      return { seed: s.seed, png: fromBase64(s.png), stored: response.stored };
    });
  }

  /** Contract 1 and 2 requests go to any eligible backend; contract 3 needs one that lists 3. */
  private takes(b: Backend, ref: string, kind: SamplerKind, contract: number): boolean {
    return b.eligible(ref, kind) && (contract !== NOISE_CONTRACT_VERSION || b.speaks(NOISE_CONTRACT_VERSION));
  }

  /** Some backend can decode given noise for the model with this sampler now (contract 3). */
  decodes(model: ModelEntry, kind: SamplerKind = "g"): boolean {
    return (
      model.manifest.placements.includes("gpu") &&
      this.backends.some((b) => this.takes(b, model.ref, kind, NOISE_CONTRACT_VERSION))
    );
  }

  /**
   * Attempts until one succeeds, no backend may be tried again, or the deadline passes
   * (the sampler's own requests, and PoolDecoder's contract 3 ones).
   */
  async attempt(
    ref: string,
    kind: SamplerKind,
    request: Omit<GenerateRequest, "timeout_ms">,
    requestId: string | undefined,
  ): Promise<GenerateResponse> {
    const deadline = this.clock.monotonic() + this.options.deadlineMs;
    const tries = new Map<Backend, number>();
    const failures: string[] = [];
    for (;;) {
      const remaining = Math.floor(deadline - this.clock.monotonic());
      if (remaining <= 0) {
        throw new ApiError("sampler_timeout", `GPU backends did not answer within ${this.options.deadlineMs} ms`);
      }
      const backend = this.choose(ref, kind, request.contract, tries);
      if (backend === undefined) break;
      if (tries.size > 0 || failures.length > 0) this.metrics.retries.inc();
      tries.set(backend, (tries.get(backend) ?? 0) + 1);
      const timeout = Math.min(remaining, this.options.config.attemptTimeoutMs);
      this.options.observer?.begin(backend.url);
      const result = await backend.generate({ ...request, timeout_ms: timeout }, timeout, requestId);
      this.options.observer?.end(backend.url, result.ok ? "ok" : result.outcome);
      if (result.ok) return result.response;
      failures.push(`${backend.host}: ${result.outcome} (${result.detail})`);
      this.logger.warn("backend attempt failed", {
        backend: backend.host,
        ...(requestId === undefined ? {} : { request_id: requestId }),
        outcome: result.outcome,
        detail: result.detail,
      });
      if (!result.retryable) {
        throw new ApiError("internal", "internal error", { cause: new Error(failures.join("; ")) });
      }
    }
    throw new ApiError("sampler_unavailable", `no GPU backend could serve ${ref} now`, {
      headers: { "retry-after": String(Math.ceil(this.options.config.breakerOpenMs / 1000)) },
      cause: new Error(failures.join("; ") || "no eligible backend"),
    });
  }

  /**
   * The eligible backend with the fewest attempts for this request (so a retry goes to
   * another backend when there is one), then the fewest requests outstanding.
   */
  private choose(
    ref: string,
    kind: SamplerKind,
    contract: number,
    tries: ReadonlyMap<Backend, number>,
  ): Backend | undefined {
    const n = this.backends.length;
    const start = this.turn++ % Math.max(n, 1);
    let best: Backend | undefined;
    for (let k = 0; k < n; k++) {
      const b = this.backends[(start + k) % n];
      if (b === undefined || !this.takes(b, ref, kind, contract) || (tries.get(b) ?? 0) >= ATTEMPTS_PER_BACKEND)
        continue;
      const rank = (x: Backend) => [tries.get(x) ?? 0, x.load()] as const;
      if (best === undefined) {
        best = b;
        continue;
      }
      const [bt, bo] = rank(b);
      const [et, eo] = rank(best);
      if (bt < et || (bt === et && bo < eo)) best = b;
    }
    return best;
  }
}
