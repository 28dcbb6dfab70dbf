// Log lines to stdout, batched per event-loop turn. On Linux, stdout on a pipe (a container
// runtime, systemd, a supervising test) is written synchronously, one write(2) per call, on
// the event loop: under an overload burst one access-log line per request cost the router's
// main thread a tenth of its time. Lines queue in memory and leave in one write at the end
// of the turn, or at once when the queue passes `flushBytes` (so memory stays bounded and a
// busy turn never holds more than that); process exit writes what is left.

/** What the writer needs of process.stdout. */
export interface LineSink {
  write(chunk: string): unknown;
}

/** Plain functions, not methods: the logger takes `write` on its own. */
export interface BatchedLineWriter {
  write: (line: string) => void;
  /** Writes everything queued now (exit paths call it; the end of each turn does too). */
  flush: () => void;
}

export function batchedLineWriter(sink: LineSink, flushBytes = 64 * 1024): BatchedLineWriter {
  let queued: string[] = [];
  let queuedBytes = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (queued.length === 0) return;
    const chunk = queued.join("");
    queued = [];
    queuedBytes = 0;
    sink.write(chunk);
  };

  return {
    write(line: string): void {
      queued.push(`${line}\n`);
      queuedBytes += line.length + 1;
      if (queuedBytes >= flushBytes) {
        flush();
        return;
      }
      if (!scheduled) {
        scheduled = true;
        // unref: a pending flush never keeps the process alive; the exit hook writes it.
        setImmediate(flush).unref();
      }
    },
    flush,
  };
}

/** The process's log writer: stdout, flushed on exit (process.exit included). */
export function stdoutLineWriter(): BatchedLineWriter {
  const writer = batchedLineWriter(process.stdout);
  process.once("exit", () => writer.flush());
  return writer;
}
