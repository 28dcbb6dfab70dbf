// The check that skips an execution provider whose libraries onnxruntime-node's install
// script did not install, so ORT never prints its red load error for it.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bindingDir, missingLibrary } from "../../../engine/onnx/provider-libraries.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("missingLibrary", () => {
  it("names the absent CUDA library on Linux, and nothing once both are there", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "biflow-ort-bin-"));
    dirs.push(dir);
    expect(missingLibrary("cuda", dir, "linux")).toMatch(/^libonnxruntime_providers_shared\.so is not installed in /);
    await writeFile(path.join(dir, "libonnxruntime_providers_shared.so"), "");
    expect(missingLibrary("cuda", dir, "linux")).toMatch(/^libonnxruntime_providers_cuda\.so is not installed/);
    await writeFile(path.join(dir, "libonnxruntime_providers_cuda.so"), "");
    expect(missingLibrary("cuda", dir, "linux")).toBeUndefined();
  });

  it("never blocks the CPU provider, nor providers on platforms it does not know", () => {
    expect(missingLibrary("cpu", "/nonexistent", "linux")).toBeUndefined();
    expect(missingLibrary("cuda", "/nonexistent", "win32")).toBeUndefined();
  });

  it("looks where onnxruntime-node's binding really is", async () => {
    const { existsSync } = await import("node:fs");
    expect(existsSync(path.join(bindingDir(), "onnxruntime_binding.node"))).toBe(true);
  });
});
