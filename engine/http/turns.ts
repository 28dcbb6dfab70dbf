// Operations requests first, and bounded turns for everything else. Node parses every
// request that arrived since the last turn and, left alone, runs each one's handler at
// once, so under a flood one turn of the event loop grew to 25-55 ms (measured with 200
// clients on 2 cores) and a /health/live that arrived during it waited for all of it. Here
// the handlers of ordinary requests are queued and run in slices of at most `sliceMs`,
// oldest first, between which the loop reads sockets again; operations paths (liveness,
// readiness, metrics) and answers held in memory (cache hits) run as soon as they are parsed. Every queued request still runs in
// arrival order, so throughput and fairness between connections stay as they were; only
// the wait of an operations request stops depending on the load.
//
// Still the one event loop: a wedged loop answers no probe, so liveness stays honest.

import type { IncomingMessage, ServerResponse } from "node:http";

/** Paths both Node services answer for operators and orchestrators. */
export const OPERATIONS_PATHS: readonly string[] = ["/health/live", "/health/ready", "/metrics"];

type Listener = (request: IncomingMessage, response: ServerResponse) => unknown;

export interface TurnOptions {
  /** Longest stretch of queued handlers run before the loop reads sockets again. */
  sliceMs: number;
  /** Paths whose handlers never wait in the queue. */
  urgentPaths: readonly string[];
  /**
   * GET and HEAD request targets (path and query) that may skip the queue as well: answers
   * the process holds in memory (the router's cached samples, src/samples/memory-hit.ts).
   */
  answersFromMemory?: (target: string) => boolean;
}

/** The request's path without its query (the raw request target). */
function pathOf(request: IncomingMessage): string {
  const target = request.url ?? "";
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}

/** Wraps a request listener so ordinary requests run in bounded slices and urgent ones at once. */
export function inTurns(listener: Listener, options: TurnOptions): Listener {
  const urgent = new Set(options.urgentPaths);
  // A FIFO as an array and a head index: shift() would copy the array on every request.
  let queue: (() => void)[] = [];
  let head = 0;
  let scheduled = false;

  const runSlice = (): void => {
    scheduled = false;
    const end = performance.now() + options.sliceMs;
    // At least one handler per slice, so the queue always moves.
    do {
      const task = queue[head];
      queue[head] = noop;
      head += 1;
      task?.();
    } while (head < queue.length && performance.now() < end);
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (head < queue.length) schedule();
  };
  // setImmediate: the queued handlers run after this turn's sockets were read (the check
  // phase), and a slice that leaves work queues the rest behind the next reading of sockets.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(runSlice);
  };

  const fromMemory = options.answersFromMemory;
  const isUrgent = (request: IncomingMessage): boolean =>
    urgent.has(pathOf(request)) ||
    (fromMemory !== undefined &&
      (request.method === "GET" || request.method === "HEAD") &&
      fromMemory(request.url ?? ""));

  return (request, response) => {
    if (isUrgent(request)) return listener(request, response);
    queue.push(() => {
      // A client that left while its request waited is not worth a handler run.
      if (request.destroyed || response.destroyed) return;
      void listener(request, response);
    });
    schedule();
    return undefined;
  };
}

function noop(): void {}
