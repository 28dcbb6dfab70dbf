// The soak's real processes (s3rver, two GPU backends, the router), each with its output
// streamed to a log file in the run folder rather than held in memory: a 30-minute run at
// info level writes tens of megabytes of access log.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../engine/project-root.js";

/** Children the soak is stopping on purpose (their exit is not a failure to report). */
const stopping = new WeakSet<ChildProcess>();

export interface Service {
  name: string;
  child: ChildProcess;
  /** The first capture group of the ready line (a URL or a port). */
  ready: string;
  /** Whether it exited before the soak stopped it. */
  died(): boolean;
  stop(): Promise<void>;
}

export function startService(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  logDir: string,
): Promise<Service> {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(path.join(logDir, `${name}.log`));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    stopping.add(child);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    log.end();
  };
  return new Promise((resolve, reject) => {
    let head = "";
    let started = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within 120 s:\n${head.slice(-2000)}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (started) return;
      head += chunk.toString();
      const match = ready.exec(head);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({
          name,
          child,
          ready: match[1] ?? "",
          stop,
          died: () => (child.exitCode !== null || child.signalCode !== null) && !stopping.has(child),
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${name} exited with ${String(code)} before it was ready:\n${head.slice(-2000)}`));
      else if (!stopping.has(child)) console.error(`soak: ${name} exited with ${String(code)} during the run`);
    });
  });
}
