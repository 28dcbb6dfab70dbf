// The job's state objects (layout.ts) read and written as JSON through the object store:
// one class so the executor, the routes and the Worker consumer agree on every record.

import { sha256HexOf } from "../middleware/bearer/index.js";
import type { ObjectStore, PutOutcome } from "../storage/object-store.js";
import { indexKey, jobKeys, ownerKey } from "./layout.js";
import type { JobSpec, TerminalState } from "./model.js";
import { lastInSequence } from "./sequence.js";

/** Chunk k done; counts are cumulative over chunks 0..k (chunks are done in order under the lease). */
export interface ChunkRecord {
  chunk: number;
  imagesDone: number;
  /** Images this job computed (not found in the store): survives restarts, as the issue asks. */
  imagesComputed: number;
  errors: number;
  recentErrors: string[];
  /** Recent throughput of the worker that did it, images/s. */
  rate: number;
  /** Set when the owner's image budget held the job back: the budget per minute, where known. */
  paced: { perMinute: number | null } | null;
  at: number;
}

export interface LeaseRecord {
  holder: string;
  expiresAt: number;
}

export interface FinalRecord {
  state: TerminalState;
  finishedAt: number;
  imagesDone: number;
  imagesComputed: number;
  errors: number;
  recentErrors: string[];
  message: string | null;
  outputs: { manifest: boolean; tar: boolean; npz: boolean };
}

export interface CancelRecord {
  at: number;
}

export interface WebhookRecord {
  delivered: boolean;
  attempts: number;
  at: number;
}

const JSON_TYPE = "application/json";

export class JobRecords {
  /** Last chunk and lease seen per job: lower bounds that make the next search short. */
  private readonly lastChunks = new Map<string, number>();

  constructor(readonly store: ObjectStore) {}

  async readJson<T>(key: string): Promise<T | undefined> {
    const found = await this.store.get(key);
    return found === undefined ? undefined : (JSON.parse(new TextDecoder().decode(found.bytes)) as T);
  }

  writeJson(key: string, value: unknown): Promise<PutOutcome> {
    return this.store.put(key, new TextEncoder().encode(JSON.stringify(value)), { contentType: JSON_TYPE });
  }

  private async exists(key: string): Promise<boolean> {
    return (await this.store.head(key)) !== undefined;
  }

  spec(id: string): Promise<JobSpec | undefined> {
    return this.readJson<JobSpec>(jobKeys(id).spec);
  }

  /** The last chunk done and its record, or undefined when none is. */
  async lastChunk(id: string): Promise<ChunkRecord | undefined> {
    const keys = jobKeys(id);
    const k = await lastInSequence((n) => this.exists(keys.chunk(n)), this.lastChunks.get(id) ?? -1);
    if (k < 0) return undefined;
    this.lastChunks.set(id, k);
    return this.readJson<ChunkRecord>(keys.chunk(k));
  }

  putChunk(id: string, record: ChunkRecord): Promise<PutOutcome> {
    return this.writeJson(jobKeys(id).chunk(record.chunk), record);
  }

  /** The current lease (highest n) and its number; undefined when never claimed. */
  async lease(id: string): Promise<{ n: number; record: LeaseRecord } | undefined> {
    const keys = jobKeys(id);
    const n = await lastInSequence((k) => this.exists(keys.lease(k)));
    if (n < 0) return undefined;
    const record = await this.readJson<LeaseRecord>(keys.lease(n));
    return record === undefined ? undefined : { n, record };
  }

  putLease(id: string, n: number, record: LeaseRecord): Promise<PutOutcome> {
    return this.writeJson(jobKeys(id).lease(n), record);
  }

  cancel(id: string): Promise<CancelRecord | undefined> {
    return this.readJson<CancelRecord>(jobKeys(id).cancel);
  }

  final(id: string): Promise<FinalRecord | undefined> {
    return this.readJson<FinalRecord>(jobKeys(id).final);
  }

  /** Appends to a numbered list, retrying past numbers others took meanwhile. */
  private async append(keyOf: (n: number) => string, value: unknown): Promise<number> {
    let n = (await lastInSequence((k) => this.exists(keyOf(k)))) + 1;
    while ((await this.writeJson(keyOf(n), value)) === "exists") n++;
    return n;
  }

  /** Stores a new job's spec and lists it for routers and for its owner. */
  async create(spec: JobSpec): Promise<void> {
    await this.writeJson(jobKeys(spec.id).spec, spec);
    await this.append(indexKey, { id: spec.id });
    const owner = await ownerDigest(spec.owner);
    await this.append((n) => ownerKey(owner, n), { id: spec.id });
  }

  /** The owner's job ids, newest first, at most `limit`. */
  async ownerJobs(owner: string, limit: number): Promise<string[]> {
    const digest = await ownerDigest(owner);
    const last = await lastInSequence((k) => this.exists(ownerKey(digest, k)));
    const ns = Array.from({ length: Math.min(limit, last + 1) }, (_, i) => last - i);
    const found = await Promise.all(ns.map((n) => this.readJson<{ id: string }>(ownerKey(digest, n))));
    return found.flatMap((f) => (f === undefined ? [] : [f.id]));
  }

  /** Job ids listed at index positions from..(last), and the last position. */
  async indexFrom(from: number, known: number): Promise<{ ids: { n: number; id: string }[]; last: number }> {
    const last = await lastInSequence((k) => this.exists(indexKey(k)), Math.max(known, from - 1));
    const ns = Array.from({ length: Math.max(0, last - from + 1) }, (_, i) => from + i);
    const found = await Promise.all(
      ns.map(async (n) => ({ n, rec: await this.readJson<{ id: string }>(indexKey(n)) })),
    );
    return { ids: found.flatMap(({ n, rec }) => (rec === undefined ? [] : [{ n, id: rec.id }])), last };
  }
}

/** Owners appear in keys by digest: an owner string names an API key's digest prefix. */
async function ownerDigest(owner: string): Promise<string> {
  return (await sha256HexOf(owner)).slice(0, 32);
}
