// A FIFO queue that runs one task at a time: a single-threaded WASM runtime must not be
// re-entered by overlapping session creations or runs.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Tasks queued or running. */
  get depth(): number {
    return this.waiting;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const result = this.tail.then(task).finally(() => {
      this.waiting -= 1;
    });
    // The next task waits for this one to settle, whether it resolved or rejected.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
