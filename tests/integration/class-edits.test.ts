// POST /v1/class-edits on the trained model through a router process as `npm start` runs it
// (the Node engine): F's exact inverse gives the image back under its own class (a bijection:
// an independent check of the exact path on given noise), G's edit is another image that keeps
// the input's layout, and both are the same bytes on a second call.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPngWithZlib } from "../helpers/png-zlib.js";
import { startRouter, type Running } from "../helpers/processes.js";

let router: Running & { url: string };
let dataDir: string;
let dress: Uint8Array;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-class-edit-"));
  router = await startRouter({ MODELS_DIR: "", DATA_DIR: dataDir, S3_ENDPOINT: "", GPU_BACKEND_URLS: "" });
  dress = new Uint8Array(await (await fetch(`${router.url}/v1/samples/fmnist-biflow-s/dress/8.png`)).arrayBuffer());
});
afterAll(async () => {
  await router.stop("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

function edit(query: string, png: Uint8Array) {
  return fetch(`${router.url}/v1/class-edits?model=fmnist-biflow-s&${query}`, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: new Blob([png.slice()]),
  });
}

const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);

describe("POST /v1/class-edits on fmnist-biflow-s", () => {
  it("with sampler=exact under the image's own class and no guidance, gives the image back", async () => {
    const res = await edit("class=dress&to=dress&guidance=0&sampler=exact", dress);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edit-sampler")).toBe("exact");
    expect(res.headers.get("x-sampler")).toBe("engine");
    const back = readPngWithZlib(new Uint8Array(await res.arrayBuffer())).pixels;
    expect(maxDiff(back, readPngWithZlib(dress).pixels)).toBeLessThanOrEqual(2);
  });

  it("decodes a dress as a bag with G, deterministically, with the headers the API documents", async () => {
    const res = await edit("class=dress&to=bag", dress);
    expect(res.status).toBe(200);
    expect(
      Object.fromEntries(
        ["x-edit-from", "x-edit-to", "x-guidance", "x-edit-sampler"].map((h) => [h, res.headers.get(h)]),
      ),
    ).toEqual({
      "x-edit-from": "dress",
      "x-edit-to": "bag",
      "x-guidance": "0.50",
      "x-edit-sampler": "g",
    });
    const bag = new Uint8Array(await res.arrayBuffer());
    const pixels = readPngWithZlib(bag).pixels;
    expect(maxDiff(pixels, readPngWithZlib(dress).pixels)).toBeGreaterThan(64); // another image
    const again = new Uint8Array(await (await edit("class=dress&to=bag", dress)).arrayBuffer());
    expect(again).toEqual(bag);
  });
});
