// The playground's build and its Node file source: the committed bundle is what the build
// makes now, the page loads the onnxruntime-web version installed here, and every file the
// router promises exists in that package.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeOrtWebFiles } from "../../node/ort-web-files.js";
import { buildPlaygroundAssets } from "../../scripts/build-playground.js";
import { playgroundAssets } from "../../src/playground/assets.generated.js";
import { ORT_WEB_FILES, isOrtWebFile, ortWebBase } from "../../src/playground/ort-web-files.js";

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A package folder with a package.json and an empty dist/: the dist/ path. */
async function fakeDist(pkg: object = { version: "9.9.9-test" }): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "biflow-ort-web-"));
  made.push(root);
  await mkdir(path.join(root, "dist"));
  await writeFile(path.join(root, "package.json"), JSON.stringify(pkg));
  return path.join(root, "dist");
}

describe("scripts/build-playground.ts", () => {
  it("rebuilds exactly the committed src/playground/assets.generated.ts", async () => {
    expect(await buildPlaygroundAssets()).toEqual(playgroundAssets);
  });

  it("bundles the page's own code only: onnxruntime-web is imported at run time", () => {
    const script = playgroundAssets.find((a) => a.path.endsWith(".js"));
    expect(script?.body.length).toBeLessThan(64 * 1024);
    expect(script?.body).not.toContain("InferenceSession.create=");
  });
});

describe("nodeOrtWebFiles", () => {
  it("is the version the page asks for, and holds every listed file", async () => {
    const files = await nodeOrtWebFiles();
    const page = playgroundAssets.find((a) => a.path === "/")?.body ?? "";
    expect(page).toContain(`<meta name="ort-web-base" content="${ortWebBase(files.version)}" />`);
    for (const name of Object.keys(ORT_WEB_FILES)) {
      if (!isOrtWebFile(name)) throw new Error(name);
      const bytes = await files.read(name);
      expect(bytes.length, name).toBeGreaterThan(1000);
      if (name.endsWith(".wasm")) expect([...bytes.subarray(0, 4)], name).toEqual(WASM_MAGIC);
    }
  });

  it("reads each file once: a later change on disk is not seen", async () => {
    const dist = await fakeDist();
    await writeFile(path.join(dist, "ort.wasm.min.mjs"), "first");
    const files = await nodeOrtWebFiles(dist);
    const first = await files.read("ort.wasm.min.mjs");
    await writeFile(path.join(dist, "ort.wasm.min.mjs"), "second");
    expect(await files.read("ort.wasm.min.mjs")).toBe(first);
    expect(new TextDecoder().decode(first)).toBe("first");
  });

  it("forgets a failed read: the file read after it appears is served", async () => {
    const dist = await fakeDist();
    const files = await nodeOrtWebFiles(dist);
    expect(files.version).toBe("9.9.9-test");
    // The package.json read passed; this read fails on the file itself.
    await expect(files.read("ort.wasm.min.mjs")).rejects.toMatchObject({ code: "ENOENT" });
    await writeFile(path.join(dist, "ort.wasm.min.mjs"), "late");
    expect(new TextDecoder().decode(await files.read("ort.wasm.min.mjs"))).toBe("late");
  });

  it("refuses a dist/ whose package.json is missing or names no version", async () => {
    await expect(nodeOrtWebFiles("/nonexistent/dist")).rejects.toMatchObject({ code: "ENOENT" });
    const dist = await fakeDist({});
    await expect(nodeOrtWebFiles(dist)).rejects.toThrow(/names no version/);
  });
});
