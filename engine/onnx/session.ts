// THE one module of the backend that owns onnxruntime-node: session creation with the
// configured execution providers (falling back when one cannot start), the provider each
// session really runs on (measured from ORT's profile), tensors and runs.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { missingLibrary } from "./provider-libraries.js";
import { fallbackChain, fromOrtName, type ExecutionProvider } from "./providers.js";

export type Session = ort.InferenceSession;
export type Feeds = Record<string, ort.Tensor>;

export interface SessionOptions {
  providers: readonly ExecutionProvider[];
  /** 0: ORT's default (every core). */
  intraOpThreads: number;
}

export interface CreatedSession {
  session: Session;
  provider: ExecutionProvider | "unknown";
  nodes: Record<string, number>;
  fallbacks: { provider: ExecutionProvider; error: string }[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface ProfileEvent {
  cat?: string;
  args?: { provider?: string };
}

/** Counts the kernels each provider ran in an ORT profile (Chrome trace JSON). */
export function countProviderNodes(events: readonly ProfileEvent[]): Record<string, number> {
  const nodes: Record<string, number> = {};
  for (const e of events) {
    const provider = e.cat === "Node" ? e.args?.provider : undefined;
    if (provider !== undefined) nodes[provider] = (nodes[provider] ?? 0) + 1;
  }
  return nodes;
}

/** The provider that ran the most nodes, in our naming. */
export function dominantProvider(nodes: Readonly<Record<string, number>>): ExecutionProvider | "unknown" {
  const top = Object.entries(nodes).sort((a, b) => b[1] - a[1])[0];
  return (top && fromOrtName(top[0])) ?? "unknown";
}

async function open(
  bytes: Uint8Array,
  providers: readonly ExecutionProvider[],
  options: SessionOptions,
  profilePrefix: string,
): Promise<Session> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: [...providers],
    graphOptimizationLevel: "all",
    intraOpNumThreads: options.intraOpThreads,
    // One graph of ours has no parallel branches worth a second pool of threads.
    interOpNumThreads: 1,
    // Profiling is on for the warm-up run only (ended below): ORT records which provider
    // ran each node, the one reliable account of where a session really runs.
    enableProfiling: true,
    profileFilePrefix: profilePrefix,
    // ORT's own warnings (e.g. about unused initializers) would bury ours.
    logSeverityLevel: 3,
    // Idle intra-op threads sleep instead of spinning: the cores are shared with the event
    // loop and other workers, and spinning threads starve them (measured here: batched
    // throughput fell from ~190 to ~80 images/s on 2 cores with spinning on).
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  });
}

/**
 * A session on the first provider list that starts (see fallbackChain), then one run of
 * `warmUp` under ORT's profiler to learn which providers run its nodes.
 */
export async function createSession(
  bytes: Uint8Array,
  options: SessionOptions,
  warmUp: (session: Session) => Promise<void>,
): Promise<CreatedSession> {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-ort-profile-"));
  try {
    const fallbacks: CreatedSession["fallbacks"] = [];
    let session: Session | undefined;
    for (const providers of fallbackChain(options.providers)) {
      const first = providers[0];
      // A provider whose libraries are absent is skipped without asking ORT, which would
      // print its own red load error first; the last provider is always left to ORT.
      const missing = first === undefined || providers.length === 1 ? undefined : missingLibrary(first);
      if (first !== undefined && missing !== undefined) {
        fallbacks.push({ provider: first, error: missing });
        continue;
      }
      try {
        session = await open(bytes, providers, options, path.join(dir, "profile"));
        break;
      } catch (err) {
        if (first === undefined || providers.length === 1) throw err;
        fallbacks.push({ provider: first, error: message(err) });
      }
    }
    if (session === undefined) throw new Error("no execution provider configured");
    await warmUp(session);
    session.endProfiling();
    const files = (await readdir(dir)).filter((f) => f.endsWith(".json"));
    const events: ProfileEvent[] = [];
    for (const file of files)
      events.push(...(JSON.parse(await readFile(path.join(dir, file), "utf8")) as ProfileEvent[]));
    const nodes = countProviderNodes(events);
    return { session, provider: dominantProvider(nodes), nodes, fallbacks };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function int64Tensor(data: BigInt64Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("int64", data, dims);
}

/** The float32 output `name` with exactly `dims`, or an error naming what came back. */
export async function runForFloat(
  session: Session,
  feeds: Feeds,
  name: string,
  dims: readonly number[],
): Promise<Float32Array> {
  const outputs = await session.run(feeds);
  const out = outputs[name];
  if (out === undefined || out.type !== "float32" || out.dims.join() !== dims.join()) {
    throw new Error(
      `model output ${name} is not float32 [${dims.join(", ")}] (got ${out?.type ?? "none"} [${out?.dims.join(", ") ?? ""}])`,
    );
  }
  return out.data as Float32Array;
}
