// Inference threads run at a lower CPU priority than the event loop that serves HTTP. Under
// contention (a burst of uncached requests on a machine whose cores inference can fill) the
// scheduler then gives the event loop the CPU first, so liveness, cache and store hits and
// the 503s of shed work keep their speed while computes slow down; when HTTP is idle,
// inference still gets every cycle. +10 by default (ENGINE_NICE, INFERENCE_NICE; 0 turns it
// off): measured on 2 cores under 200 flooding clients with the load generator on the same
// cores at equal priority, /health/live's p99 was 28-33 ms with it and 33-66 ms without, and
// about a quarter fewer images were computed, since the generator took that CPU; with cores
// to spare it costs nothing.
//
// Linux keeps a nice value per thread: setpriority(2) on a thread id changes that thread
// alone, and threads it creates afterwards (onnxruntime's intra-op pool) inherit it. Raising
// one's own nice value needs no privilege.

import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import type { Logger } from "../../src/logger.js";

export type PriorityOutcome = { nice: number } | { unchanged: string };

/** The calling thread's kernel thread id, from /proc/thread-self (Linux only). */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Raises the calling thread's nice value by `by` (capped at 19); never fails the caller. */
export function lowerThisThreadPriority(by: number): PriorityOutcome {
  if (by <= 0) return { unchanged: "no lower priority asked for" };
  const tid = threadId();
  if (tid === undefined) return { unchanged: "no per-thread priority here (needs Linux /proc/thread-self)" };
  try {
    const nice = Math.min(19, getPriority(tid) + by);
    setPriority(tid, nice);
    return { nice: getPriority(tid) };
  } catch (err) {
    return { unchanged: err instanceof Error ? err.message : String(err) };
  }
}

/** One log line at start: the inference threads' nice value, or a warning saying why not. */
export function logPriority(logger: Logger, requested: number, outcome: PriorityOutcome): void {
  if ("nice" in outcome) logger.info("inference threads niced", { nice: outcome.nice, requested });
  else if (requested > 0)
    logger.warn("inference threads keep the event loop's priority", { reason: outcome.unchanged, requested });
}
