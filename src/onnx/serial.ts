// A FIFO queue that runs one task at a time: a single-threaded WASM runtime must not be
// re-entered by overlapping session creations or runs. A task whose signal is aborted
// while it waits is skipped, so a timed-out request's work never runs.

export class CancelledError extends Error {
  override readonly name = "CancelledError";
}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Tasks queued or running. */
  get depth(): number {
    return this.waiting;
  }

  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.waiting += 1;
    const guarded = () => {
      if (signal?.aborted === true) throw new CancelledError("cancelled before it started", { cause: signal.reason });
      return task();
    };
    const result = this.tail.then(guarded).finally(() => {
      this.waiting -= 1;
    });
    // The next task waits for this one to settle, whether it resolved or rejected.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
