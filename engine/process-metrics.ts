// The process's own health on /metrics (Node services: the router and the GPU backend):
// resident memory, V8 heap, event-loop delay, open file descriptors and sockets. Read at
// scrape time, so a service that nobody scrapes pays only for the event-loop monitor.

import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Registry } from "../src/metrics.js";

/** Linux exposes a process's descriptors as /proc/self/fd; elsewhere the gauge is absent. */
function openDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

/** TCP sockets and servers this process holds open (accepted, outgoing and listening). */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap" || kind === "TCPServerWrap").length;
}

export function registerProcessMetrics(registry: Registry): void {
  const rss = registry.gauge("process_resident_memory_bytes", "Resident memory of this process.");
  const heapUsed = registry.gauge("nodejs_heap_size_used_bytes", "V8 heap in use.");
  const heapTotal = registry.gauge("nodejs_heap_size_total_bytes", "V8 heap reserved.");
  const external = registry.gauge(
    "nodejs_external_memory_bytes",
    "Memory of buffers and other objects outside the V8 heap (ArrayBuffers included).",
  );
  const fds = registry.gauge("process_open_fds", "Open file descriptors (Linux).");
  const sockets = registry.gauge("nodejs_open_sockets", "Open TCP sockets and listeners.");
  const delay = registry.gauge(
    "nodejs_eventloop_delay_seconds",
    "Event-loop delay since the previous scrape, by quantile (0.5, 0.99, 1 for the largest).",
    ["quantile"],
  );
  // 10 ms resolution: finer sampling costs a timer wake-up per period for nothing an operator acts on.
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  registry.onCollect(() => {
    const memory = process.memoryUsage();
    rss.set({}, memory.rss);
    heapUsed.set({}, memory.heapUsed);
    heapTotal.set({}, memory.heapTotal);
    external.set({}, memory.external);
    const open = openDescriptors();
    if (open !== undefined) fds.set({}, open);
    sockets.set({}, openSockets());
    // Nanoseconds; NaN before the first sample: report 0 then rather than a malformed line.
    const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    delay.set({ quantile: "0.5" }, seconds(monitor.percentile(50)));
    delay.set({ quantile: "0.99" }, seconds(monitor.percentile(99)));
    delay.set({ quantile: "1" }, seconds(monitor.max));
    monitor.reset();
  });
}
