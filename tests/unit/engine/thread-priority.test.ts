// engine/onnx/thread-priority.ts on real threads: a worker thread that lowers its priority
// changes its own nice value only (read back from /proc, not from the module), and the
// threads it starts afterwards inherit it, as onnxruntime's intra-op threads do.

import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/fixtures.js";

/** nice of each thread of this process, by kernel thread id: field 19 of /proc/self/task/TID/stat. */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    nice.set(Number(tid), Number(fields[16]));
  }
  return nice;
}

describe.runIf(process.platform === "linux")("lowerThisThreadPriority", () => {
  it("lowers the calling thread alone, and threads it starts inherit the priority", async () => {
    const mainTid = Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ")[0]);
    const base = niceByThread().get(mainTid) ?? 0;
    // The worker lowers itself by 7, starts a nested thread, and reports both thread ids.
    const source = `
      const { parentPort, Worker } = require("node:worker_threads");
      const { readFileSync } = require("node:fs");
      require("tsx/cjs");
      const { lowerThisThreadPriority } = require(${JSON.stringify(`${ROOT}/engine/onnx/thread-priority.ts`)});
      const outcome = lowerThisThreadPriority(7);
      const tid = () => Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ")[0]);
      const child = new Worker("const { parentPort } = require('node:worker_threads'); const { readFileSync } = require('node:fs'); parentPort.postMessage(Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0])); setTimeout(() => {}, 2000);", { eval: true });
      child.once("message", (childTid) => parentPort.postMessage({ outcome, tid: tid(), childTid }));
      setTimeout(() => {}, 2000);
    `;
    const worker = new Worker(source, { eval: true });
    try {
      const report = await new Promise<{ outcome: { nice?: number }; tid: number; childTid: number }>(
        (resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
        },
      );
      const nice = niceByThread();
      const expected = Math.min(19, base + 7);
      expect(report.outcome.nice).toBe(expected);
      expect(nice.get(report.tid)).toBe(expected);
      expect(nice.get(report.childTid)).toBe(expected);
      expect(nice.get(mainTid)).toBe(base);
    } finally {
      await worker.terminate();
    }
  });
});
