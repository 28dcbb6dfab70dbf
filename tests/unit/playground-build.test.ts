// The playground's build and its Node file source: the committed bundle is what the build
// makes now, the page loads the onnxruntime-web version installed here, and every file the
// router promises exists in that package.

import { describe, expect, it } from "vitest";
import { nodeOrtWebFiles } from "../../node/ort-web-files.js";
import { buildPlaygroundAssets } from "../../scripts/build-playground.js";
import { playgroundAssets } from "../../src/playground/assets.generated.js";
import { ORT_WEB_FILES, isOrtWebFile, ortWebBase } from "../../src/playground/ort-web-files.js";

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

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

  it("reads each file once and forgets a failed read", async () => {
    const files = await nodeOrtWebFiles();
    expect(await files.read("ort.wasm.min.mjs")).toBe(await files.read("ort.wasm.min.mjs"));
    const missing = await nodeOrtWebFiles("/nonexistent/dist").catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(Error);
  });
});
