// `kill <pid of npm start>` stops the server: npm forwards the signal to its script's
// shell, so the scripts `exec` node in its place and the signal reaches the server
// (issue 13). Started through real npm; the port must close once npm has exited.

import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BACKEND_SECRET } from "../helpers/backend.js";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";
import { startProcess, type Running } from "../helpers/processes.js";

const LISTENING = /"message":"listening","url":"http:\/\/127\.0\.0\.1:(\d+)"/;
const started: Running[] = [];
const dirs: string[] = [];

afterAll(async () => {
  // Each npm leads its own process group: a server that outlived npm (the failure this
  // file tests for) is killed with its group, never left listening.
  for (const p of started) {
    try {
      if (p.child.pid !== undefined) process.kill(-p.child.pid, "SIGKILL");
    } catch {
      // The group is gone already: nothing outlived npm.
    }
  }
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Whether something accepts TCP connections on the loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function npmRun(script: string, env: NodeJS.ProcessEnv): Promise<{ npm: Running; port: number }> {
  const npm = await startProcess("npm", ["run", script], {
    env: { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", SHUTDOWN_GRACE_MS: "2000", ...env },
    ready: LISTENING,
    name: `npm run ${script}`,
    detached: true,
  });
  started.push(npm);
  return { npm, port: Number(npm.match[1]) };
}

describe("kill <pid of npm>", () => {
  it.each([
    ["start", { MODELS_DIR: FIXTURE_MODELS_DIR, S3_ENDPOINT: "", GPU_BACKEND_URLS: "" }],
    [
      "backend",
      {
        MODELS_DIR: FIXTURE_MODELS_DIR,
        BACKEND_SECRET,
        EXECUTION_PROVIDERS: "cpu",
        WORKERS: "1",
        INTRA_OP_THREADS: "1",
        S3_ENDPOINT: "",
      },
    ],
  ] as const)("stops the server of npm run %s", async (script, env) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-npm-stop-"));
    dirs.push(dataDir);
    const { npm, port } = await npmRun(script, { ...env, DATA_DIR: dataDir });
    expect(await accepts(port)).toBe(true);
    // SIGTERM to npm's own pid, as `kill <pid>` sends; npm exits once its script has.
    await npm.stop("SIGTERM");
    expect(await accepts(port), `port ${port} still open after npm exited:\n${npm.output()}`).toBe(false);
    expect(npm.output()).toMatch(/"message":"shutting down"|"signal":"SIGTERM"/);
  });
});
