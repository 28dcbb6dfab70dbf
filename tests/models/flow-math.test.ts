// The training code's math (models/train/tests): inverse after forward, log-determinant
// against autograd, causality of every flow block, Jacobi updates making one more token
// exact per step, the Jacobi inverse with tokens - 1 updates per block equal to the exact
// inverse, and G refusing a changed F on resume.

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

describe("flow math (Python, tiny models)", () => {
  it("passes every unittest in models/train/tests", () => {
    const run = spawnSync("/usr/bin/python3", ["-m", "unittest", "discover", "-s", "models/train/tests", "-v"], {
      cwd: ROOT,
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
      encoding: "utf8",
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    // unittest prints "Ran N tests": all seven must have run, none skipped.
    expect(output).toMatch(/Ran 7 tests/);
    expect(output).not.toMatch(/skipped/);
  });
});
