// Resolving samples: for each key, cache -> object store -> compute (one sampler call for
// all misses of a request) -> store put -> cache put, with identical in-flight work
// coalesced so N concurrent requests for one key cost one computation. Store puts are
// first-writer-wins: a request that loses the race serves the stored object instead of its
// own, so every answer for a key has the same bytes and ETag.

import { strongEtag } from "../bytes.js";
import type { CachedSample, SampleCache } from "../cache/sample-cache.js";
import type { Clock } from "../clock.js";
import { Coalescer } from "../coalesce.js";
import { ApiError } from "../errors.js";
import { sampleKey } from "../keys.js";
import type { Logger } from "../logger.js";
import type { ModelEntry } from "../models/registry.js";
import { imageCost } from "../flow/cost.js";
import type { SamplerKind } from "../flow/samplers.js";
import { pickSampler, runsKind, type ChooseSampler, type SampledImage, type Sampler } from "../sampler.js";
import { DEFAULT_SAMPLER, type SamplerSpec } from "./canonical.js";
import type { ObjectStore, PutOutcome, StoredObject } from "../storage/object-store.js";
import type { Telemetry } from "../telemetry.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "./http.js";
import { withTimeout } from "../timeout.js";

export type SampleSource = "cache" | "store" | "computed";

export interface SampleTarget {
  model: ModelEntry;
  /** Resolved class index, or null for unconditional. */
  classIndex: number | null;
  seeds: readonly number[];
  /** Canonical guidance. */
  guidance: number;
  /** Asked before computing, with the number of images; throws to refuse (URL signature, image quota). */
  admit?: (images: number) => Promise<void>;
  /** The request's X-Request-Id, forwarded to the sampler (GPU backends log it). */
  requestId?: string;
  /** How to draw the images (canonical, resolved for the model); absent: G's one pass. */
  sampler?: SamplerSpec;
}

export interface ResolvedSample extends CachedSample {
  key: string;
  seed: number;
  source: SampleSource;
  /** True when this request joined an identical computation already in flight. */
  shared: boolean;
  /** The sampler that computed it (Sampler.name); null for cache and store hits. */
  sampler: string | null;
}

interface Found extends CachedSample {
  source: SampleSource;
  sampler: string | null;
}

/** Refusals by `admit` are one request's own: a request that joined the work of another is not refused by them. */
function isRefusal(err: unknown): boolean {
  return err instanceof ApiError && (err.type === "forbidden" || err.type === "rate_limited");
}

/** A sample found by key alone (cache or store), as served for versions no longer loaded. */
export interface FoundSample extends Found {
  key: string;
}

export interface SampleServiceDeps {
  samplers: readonly Sampler[];
  store: ObjectStore;
  cache: SampleCache;
  telemetry: Telemetry;
  logger: Logger;
  clock: Clock;
  sampleTimeoutMs: number;
  /** The routing policy; by default the first of `samplers` that accepts the batch. */
  choose?: ChooseSampler;
  /** Retry-After (seconds) of the 503 when no sampler can take a batch now. */
  retryAfterSeconds?: number;
  /** Where the samplers this server does not run can be found (the 422's message). */
  samplerHome?: string;
}

/** Where exact and Jacobi sampling run (docs/samplers.md), for a server that runs neither. */
export const SAMPLER_HOME =
  "F's exact inverse and Jacobi decoding run on the Node router (npm start), on GPU backends that announce them, " +
  "and in the browser playground; see docs/samplers.md";

export class SampleService {
  private readonly coalescer = new Coalescer<Found>();

  constructor(private readonly deps: SampleServiceDeps) {}

  /** One resolved sample per seed, in order. */
  async resolve(target: SampleTarget): Promise<ResolvedSample[]> {
    const { manifest } = target.model;
    const keys = target.seeds.map((seed) =>
      sampleKey({
        modelId: manifest.id,
        version: manifest.version,
        classIndex: target.classIndex,
        seed,
        guidance: target.guidance,
        sampler: target.sampler ?? DEFAULT_SAMPLER,
      }),
    );
    const seedOf = new Map(keys.map((key, i) => [key, target.seeds[i] ?? 0]));
    const found = await this.coalesce(target, keys, seedOf);
    return keys.map((key) => {
      const entry = found.get(key);
      if (entry === undefined) throw new ApiError("internal", "internal error");
      if (entry.shared) this.deps.telemetry.coalesced.inc();
      const { bytes, etag, source, sampler } = entry.value;
      return { key, seed: seedOf.get(key) ?? 0, bytes, etag, source, sampler, shared: entry.shared };
    });
  }

  /**
   * Runs the keys through the coalescer. When a computation this request joined was refused
   * by its leader's `admit` (another client's signature or quota), it tries once more itself.
   */
  private async coalesce(target: SampleTarget, keys: readonly string[], seedOf: ReadonlyMap<string, number>) {
    const own = new Set<unknown>();
    const { admit } = target;
    const mine: SampleTarget =
      admit === undefined
        ? target
        : {
            ...target,
            admit: (images) =>
              admit(images).catch((err: unknown) => {
                own.add(err);
                throw err;
              }),
          };
    const run = () => this.coalescer.runMany(keys, (missing) => this.fill(mine, missing, seedOf));
    try {
      return await run();
    } catch (err) {
      if (!isRefusal(err) || own.has(err)) throw err;
      return run();
    }
  }

  /** A stored sample by key, from the cache or the store; never computes. */
  async find(key: string): Promise<FoundSample | undefined> {
    const cached = await this.cacheGet(key);
    this.deps.telemetry.lookup("cache", cached !== undefined);
    if (cached !== undefined) return { ...cached, key, source: "cache", sampler: null };
    const stored = await this.storeGet(key);
    this.deps.telemetry.lookup("store", stored !== undefined);
    if (stored === undefined) return undefined;
    const sample = await withEtag(stored);
    await this.cachePut(key, sample);
    return { ...sample, key, source: "store", sampler: null };
  }

  /**
   * The ETag of a stored sample without reading its bytes: from the cache, else from the
   * store's metadata (a HEAD). Undefined when neither knows it (then the caller resolves).
   */
  async etagOf(key: string): Promise<{ etag: string; source: SampleSource } | undefined> {
    const cached = await this.cacheGet(key);
    if (cached !== undefined) return { etag: cached.etag, source: "cache" };
    let info;
    try {
      info = await this.deps.store.head(key);
    } catch (err) {
      this.deps.logger.error("object store head failed", { store: this.deps.store.name, key, error: err });
      throw new ApiError("storage_unavailable", "the object store is unavailable", { cause: err });
    }
    return info?.etag === undefined ? undefined : { etag: info.etag, source: "store" };
  }

  private async fill(
    target: SampleTarget,
    keys: readonly string[],
    seedOf: ReadonlyMap<string, number>,
  ): Promise<Map<string, Found>> {
    const out = new Map<string, Found>();
    const cached = await Promise.all(keys.map((key) => this.cacheGet(key)));
    const afterCache = keys.filter((key, i) => {
      const hit = cached[i];
      this.deps.telemetry.lookup("cache", hit !== undefined);
      if (hit !== undefined) out.set(key, { ...hit, source: "cache", sampler: null });
      return hit === undefined;
    });

    const stored = await Promise.all(afterCache.map((key) => this.storeGet(key)));
    const toCompute: string[] = [];
    await Promise.all(
      afterCache.map(async (key, i) => {
        const hit = stored[i];
        this.deps.telemetry.lookup("store", hit !== undefined);
        if (hit === undefined) {
          toCompute.push(key);
          return;
        }
        const sample = await withEtag(hit);
        await this.cachePut(key, sample);
        out.set(key, { ...sample, source: "store", sampler: null });
      }),
    );
    if (toCompute.length === 0) return out;

    // Keep request order for the batch so sample i is image i of the model's output.
    const ordered = keys.filter((key) => toCompute.includes(key));
    // Budgets count images weighed by their sampler's cost (src/flow/cost.ts).
    await target.admit?.(ordered.length * imageCost(target.model.manifest, target.sampler));
    const { images, sampler } = await this.compute(
      target,
      ordered.map((key) => seedOf.get(key) ?? 0),
    );
    await Promise.all(
      ordered.map(async (key, i) => {
        const image = images[i];
        if (image === undefined) throw new ApiError("internal", "internal error");
        const found = await this.keep(key, image.png, image.stored === true, sampler);
        await this.cachePut(key, found);
        out.set(key, found);
      }),
    );
    return out;
  }

  /**
   * Stores a computed PNG unless its sampler did (GPU backends writing to S3 save an upload;
   * they serve the stored object when they lose a race). When another writer stored the key
   * first, its object is what this request serves.
   */
  private async keep(key: string, png: Uint8Array, storedBySampler: boolean, sampler: string): Promise<Found> {
    const own = { bytes: png, etag: await strongEtag(png) };
    if (storedBySampler || (await this.storePut(key, own)) === "created") {
      return { ...own, source: "computed", sampler };
    }
    this.deps.telemetry.writeRaces.inc();
    const stored = await this.storeGet(key);
    if (stored !== undefined) return { ...(await withEtag(stored)), source: "store", sampler: null };
    // Reported taken but unreadable (a 409 conflict whose winner had not finished): ours it is.
    this.deps.logger.warn("stored sample missing after a lost put", { store: this.deps.store.name, key });
    return { ...own, source: "computed", sampler };
  }

  private async compute(target: SampleTarget, seeds: number[]): Promise<{ sampler: string; images: SampledImage[] }> {
    const { model } = target;
    const kind = target.sampler?.kind ?? "g";
    const choose =
      this.deps.choose ?? ((m: ModelEntry, n: number, k?: SamplerKind) => pickSampler(this.deps.samplers, m, n, k));
    // A sampler that does not say it runs this kind never gets it (it would draw G's image
    // under another sampler's key).
    const picked = choose(model, seeds.length, kind);
    const sampler = picked !== undefined && runsKind(picked, model, kind) ? picked : undefined;
    if (sampler === undefined && !this.deps.samplers.some((s) => runsKind(s, model, kind))) {
      throw new ApiError(
        "sampler_not_available",
        `sampler=${kind} is not run here for model ${model.manifest.id}: ${this.deps.samplerHome ?? SAMPLER_HOME}`,
        { param: "sampler" },
      );
    }
    if (sampler === undefined) {
      throw new ApiError("sampler_unavailable", `no sampler can serve model ${model.manifest.id} now`, {
        headers: { "retry-after": String(this.deps.retryAfterSeconds ?? 5) },
      });
    }
    const labels = { sampler: sampler.name, model: model.manifest.id };
    const started = this.deps.clock.monotonic();
    const classInput = target.classIndex ?? model.manifest.null_class;
    // Aborted at the deadline: the sampler drops whatever of this batch has not started, so
    // a timed-out request leaves no queued work behind for its retries to stack up on.
    const cancel = new AbortController();
    try {
      const images = await withTimeout(
        sampler.sample({
          model,
          classInput,
          seeds,
          guidance: target.guidance,
          ...(target.sampler === undefined || target.sampler.kind === "g" ? {} : { sampler: target.sampler }),
          signal: cancel.signal,
          ...(target.requestId === undefined ? {} : { requestId: target.requestId }),
        }),
        this.deps.sampleTimeoutMs,
        () => {
          cancel.abort();
          return new ApiError("sampler_timeout", `sampling took longer than ${this.deps.sampleTimeoutMs} ms`);
        },
      );
      if (images.length !== seeds.length || images.some((img, i) => img.seed !== seeds[i])) {
        throw new Error(`sampler ${sampler.name} returned images that do not match the seeds`);
      }
      this.deps.telemetry.samplerCalls.inc({ ...labels, outcome: "ok" });
      this.deps.telemetry.samplerImages.inc(labels, images.length);
      return { sampler: sampler.name, images };
    } catch (err) {
      const outcome = err instanceof ApiError && err.type === "sampler_timeout" ? "timeout" : "error";
      this.deps.telemetry.samplerCalls.inc({ ...labels, outcome });
      // Shedding is the plan working, not a fault: one short line, no stack, per refusal.
      if (err instanceof ApiError && err.type === "overloaded") this.deps.logger.debug("compute shed", labels);
      else this.deps.logger.error("sampler failed", { ...labels, outcome, error: err });
      throw err;
    } finally {
      this.deps.telemetry.samplerSeconds.observe(labels, (this.deps.clock.monotonic() - started) / 1000);
    }
  }

  /** Cache failures degrade to a miss: the store still has the truth. */
  private async cacheGet(key: string): Promise<CachedSample | undefined> {
    try {
      return await this.deps.cache.get(key);
    } catch (err) {
      this.deps.logger.warn("cache get failed", { key, error: err });
      return undefined;
    }
  }

  private async cachePut(key: string, sample: CachedSample): Promise<void> {
    try {
      await this.deps.cache.put(key, sample);
    } catch (err) {
      this.deps.logger.warn("cache put failed", { key, error: err });
    }
  }

  private async storeGet(key: string): Promise<StoredObject | undefined> {
    try {
      return await this.deps.store.get(key);
    } catch (err) {
      this.deps.logger.error("object store get failed", { store: this.deps.store.name, key, error: err });
      throw this.storageUnavailable(err);
    }
  }

  private async storePut(key: string, sample: CachedSample): Promise<PutOutcome> {
    try {
      return await this.deps.store.put(key, sample.bytes, {
        contentType: PNG_CONTENT_TYPE,
        cacheControl: IMMUTABLE_CACHE_CONTROL,
        etag: sample.etag,
      });
    } catch (err) {
      this.deps.logger.error("object store put failed", { store: this.deps.store.name, key, error: err });
      throw this.storageUnavailable(err);
    }
  }

  /**
   * The store failed after its retries (src/storage/resilient.ts). A failed put answers this
   * too, by choice (README, "Storage faults"): the finished image is not returned, so no URL
   * is ever handed out for an object that was not stored; the client retries after a pause.
   */
  private storageUnavailable(err: unknown): ApiError {
    return new ApiError("storage_unavailable", "the object store is unavailable; try again shortly", {
      cause: err,
      headers: { "retry-after": String(this.deps.retryAfterSeconds ?? 5) },
    });
  }
}

/** A stored object with its ETag: the one kept as metadata, else hashed from the bytes. */
async function withEtag(stored: StoredObject): Promise<CachedSample> {
  return { bytes: stored.bytes, etag: stored.etag ?? (await strongEtag(stored.bytes)) };
}
