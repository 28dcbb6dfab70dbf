// Operations requests first, and bounded turns for everything else. Node parses every
// request that arrived since the last turn and, left alone, runs each one's handler at
// once, so under a flood one turn of the event loop grew to 25-55 ms (measured with 200
// clients on 2 cores) and a /health/live that arrived during it waited for all of it. Here
// the handlers of ordinary requests are queued and run in slices of at most `sliceMs`,
// oldest first, between which the loop reads sockets again; operations paths (liveness,
// readiness, metrics) run as soon as they are parsed, and answers held in memory (cache
// hits) ahead of every other queued handler. Within its lane every request runs in arrival
// order, so fairness between connections stays as it was; handlers run back to back also
// serve about twice the requests per second of handlers run inside each socket's read
// callback (measured on the cached-hit benchmark).
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
   * GET and HEAD request targets (path and query) that run ahead of the ordinary queue:
   * answers the process holds in memory (the router's cached samples, src/samples/memory-hit.ts).
   */
  answersFromMemory?: (target: string) => boolean;
  /**
   * Runs first for each request of that lane: writes a whole answer held in memory and says
   * true, or says false and the listener runs (the router's held cache hits, node/held-answers.ts).
   */
  answerHeld?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

/** The request's path without its query (the raw request target). */
function pathOf(request: IncomingMessage): string {
  const target = request.url ?? "";
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}

/** A FIFO of handler runs as an array and a head index: shift() would copy the array every time. */
class TaskQueue {
  private tasks: (() => void)[] = [];
  private head = 0;

  get length(): number {
    return this.tasks.length - this.head;
  }

  push(task: () => void): void {
    this.tasks.push(task);
  }

  /** Runs the oldest task; the caller checks length first. */
  runNext(): void {
    const task = this.tasks[this.head];
    this.tasks[this.head] = noop;
    this.head += 1;
    if (this.head === this.tasks.length) {
      this.tasks = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    task?.();
  }
}

/**
 * Wraps a request listener: operations paths run at once; answers held in memory and then
 * ordinary requests run from two queues, in that order, in bounded slices.
 */
export function inTurns(listener: Listener, options: TurnOptions): Listener {
  const urgent = new Set(options.urgentPaths);
  // Memory answers wait in a lane of their own, drained before ordinary handlers. Not at
  // once: run inside each socket's read callback, handlers served half the requests per
  // second that they serve run back to back here (cached-hit benchmark, 4.2-4.6 vs
  // 8.6-10.8 thousand per second).
  const fast = new TaskQueue();
  const ordinary = new TaskQueue();
  let scheduled = false;

  const runSlice = (): void => {
    scheduled = false;
    const end = performance.now() + options.sliceMs;
    // At least one handler per slice, so the queues always move.
    do {
      (fast.length > 0 ? fast : ordinary).runNext();
    } while (fast.length + ordinary.length > 0 && performance.now() < end);
    if (fast.length + ordinary.length > 0) schedule();
  };
  // setImmediate: the queued handlers run after this turn's sockets were read (the check
  // phase), and a slice that leaves work queues the rest behind the next reading of sockets.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(runSlice);
  };

  const fromMemory = options.answersFromMemory;
  const inMemory = (request: IncomingMessage): boolean =>
    fromMemory !== undefined &&
    (request.method === "GET" || request.method === "HEAD") &&
    fromMemory(request.url ?? "");

  const answerHeld = options.answerHeld;
  return (request, response) => {
    if (urgent.has(pathOf(request))) return listener(request, response);
    const held = inMemory(request);
    (held ? fast : ordinary).push(() => {
      // A client that left while its request waited is not worth a handler run.
      if (request.destroyed || response.destroyed) return;
      if (held && answerHeld?.(request, response) === true) return;
      void listener(request, response);
    });
    schedule();
    return undefined;
  };
}

function noop(): void {}
