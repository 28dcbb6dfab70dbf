// Real child processes for integration tests: s3rver and the Node router, each started on
// a free loopback port that it reports on stdout, and stopped by signal.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "./fixtures.js";

export interface Running {
  child: ChildProcess;
  /** The capture groups of the ready line. */
  match: RegExpMatchArray;
  output(): string;
  /**
   * The output once `pattern` matches it. Log lines leave a service at the end of an
   * event-loop turn (engine/log-writer.ts), so the line about a request may follow its response.
   */
  outputMatching(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a process and resolves once a line of its output matches `ready`. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    ready: RegExp;
    timeoutMs?: number;
    name: string;
    /** Its own process group, so a test can clean up children that outlive it (-pid). */
    detached?: boolean;
  },
): Promise<Running> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached === true,
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const outputMatching = async (pattern: RegExp, timeoutMs = 5_000): Promise<string> => {
    const deadline = performance.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (performance.now() > deadline) throw new Error(`${options.name} never printed ${String(pattern)}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return output;
  };
  return new Promise((resolve, reject) => {
    // A deadline for start-up, not a sleep: it only fires if the ready line never comes.
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 60_000} ms:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Once ready, only collect: matching the whole output on every chunk is quadratic.
      if (started) return;
      const match = options.ready.exec(output);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ child, match, output: () => output, outputMatching, stop });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${String(code)} before it was ready:\n${output}`));
    });
  });
}

/** s3rver on `port` (0: a free one; a fixed one lets a test restart it at the same address). */
export async function startS3rver(
  directory: string,
  bucket: string,
  port = 0,
): Promise<Running & { endpoint: string }> {
  const bin = path.join(ROOT, "node_modules", "s3rver", "bin", "s3rver.js");
  const running = await startProcess(
    process.execPath,
    [bin, "-d", directory, "-a", "127.0.0.1", "-p", String(port), "--configure-bucket", bucket],
    { ready: /S3rver listening on 127\.0\.0\.1:(\d+)/, name: "s3rver" },
  );
  return { ...running, endpoint: `http://127.0.0.1:${running.match[1] ?? ""}` };
}

/** The router exactly as `npm start` runs it, on a free port (PORT=0). */
export async function startRouter(env: NodeJS.ProcessEnv): Promise<Running & { url: string }> {
  const running = await startProcess(process.execPath, ["--import", "tsx", "node/main.ts"], {
    env: { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    ready: /"message":"listening","url":"(http:\/\/[^"]+)"/,
    name: "router",
  });
  return { ...running, url: running.match[1] ?? "" };
}
