// Resolving samples: for each key, cache -> object store -> compute (one sampler call for
// all misses of a request) -> store put -> cache put, with identical in-flight work
// coalesced so N concurrent requests for one key cost one computation. This module does the
// coalescing and the order; each step has its own: lookup.ts (cache, then store),
// compute.ts (the sampler call), first-writer.ts (storing, first writer wins: a request that
// loses the race serves the stored object, so every answer for a key has the same bytes and
// ETag), sample-storage.ts (cache and store faults).

import { Coalescer } from "../coalesce.js";
import { ApiError } from "../errors.js";
import { imageCost } from "../flow/cost.js";
import { sampleKey } from "../keys.js";
import { computeSamples, type ComputeDeps } from "./compute.js";
import { keepFirst } from "./first-writer.js";
import { etagOf, lookUp } from "./lookup.js";
import { DEFAULT_SAMPLER } from "./sample-id.js";
import { SampleStorage, type SampleStorageDeps } from "./sample-storage.js";
import type { Found, SampleSource, SampleTarget } from "./target.js";

export type { SampleSource, SampleTarget } from "./target.js";

export interface ResolvedSample extends Found {
  key: string;
  seed: number;
  source: SampleSource;
  /** True when this request joined an identical computation already in flight. */
  shared: boolean;
  /** The sampler that computed it (Sampler.name); null for cache and store hits. */
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

/** The samplers and their policy (compute.ts), the cache and store (sample-storage.ts). */
export interface SampleServiceDeps extends ComputeDeps, SampleStorageDeps {}

export class SampleService {
  private readonly coalescer = new Coalescer<Found>();
  private readonly storage: SampleStorage;

  constructor(private readonly deps: SampleServiceDeps) {
    this.storage = new SampleStorage(deps);
  }

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
    const found = await lookUp(this.storage, this.deps.telemetry, key);
    return found === undefined ? undefined : { ...found, key };
  }

  /**
   * The ETag of a stored sample without reading its bytes: from the cache, else from the
   * store's metadata (a HEAD). Undefined when neither knows it (then the caller resolves).
   */
  etagOf(key: string): Promise<{ etag: string; source: SampleSource } | undefined> {
    return etagOf(this.storage, key);
  }

  private async fill(
    target: SampleTarget,
    keys: readonly string[],
    seedOf: ReadonlyMap<string, number>,
  ): Promise<Map<string, Found>> {
    const out = new Map<string, Found>();
    const toCompute: string[] = [];
    await Promise.all(
      keys.map(async (key) => {
        const found = await lookUp(this.storage, this.deps.telemetry, key);
        if (found === undefined) toCompute.push(key);
        else out.set(key, found);
      }),
    );
    if (toCompute.length === 0) return out;

    // Keep request order for the batch so sample i is image i of the model's output.
    const ordered = keys.filter((key) => toCompute.includes(key));
    // Budgets count images weighed by their sampler's cost (src/flow/cost.ts).
    await target.admit?.(ordered.length * imageCost(target.model.manifest, target.sampler));
    const { images, sampler } = await computeSamples(
      this.deps,
      target,
      ordered.map((key) => seedOf.get(key) ?? 0),
    );
    await Promise.all(
      ordered.map(async (key, i) => {
        const image = images[i];
        if (image === undefined) throw new ApiError("internal", "internal error");
        const found = await keepFirst(
          { storage: this.storage, telemetry: this.deps.telemetry, logger: this.deps.logger },
          key,
          image.png,
          image.stored === true,
          sampler,
        );
        await this.storage.cachePut(key, found);
        out.set(key, found);
      }),
    );
    return out;
  }
}
