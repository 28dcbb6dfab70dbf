// POST /v1/inpaintings inside workerd: F and G on WASM in the Worker, on the golden samples of
// the shipped model with their lower half filled, against the inpaintings Node's WASM app made
// of the same inputs (npm run worker:golden): the same pixels, kept ones the input's.

import { describe, expect, inject, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { encodePng } from "../../src/png/encode.js";
import { lowerHalfMask, type ProvidedGolden } from "./golden-cases.js";
import { base64Bytes, call, SHIPPED_MODEL } from "./helpers.js";

const goldens: ProvidedGolden[] = inject("workerGoldens").filter(
  (g) => g.model === SHIPPED_MODEL && g.inpainting !== null,
);

async function inpaint(g: ProvidedGolden, mask: Uint8Array, seed: number): Promise<Response> {
  const form = new FormData();
  form.append("image", new Blob([base64Bytes(g.png)], { type: "image/png" }), "image.png");
  form.append("mask", new Blob([mask], { type: "image/png" }), "mask.png");
  return call(`/v1/inpaintings?model=${g.model}&class=${g.class}&seed=${seed}`, { method: "POST", body: form });
}

describe("POST /v1/inpaintings in the Worker", () => {
  it("has golden inpaintings of the shipped model", () => {
    expect(goldens.length).toBeGreaterThan(0);
  });

  for (const g of goldens) {
    it(`fills the lower half of ${g.class}/${g.seed} as Node's WASM app does`, async () => {
      const mask = await encodePng({ width: 28, height: 28, channels: 1, pixels: lowerHalfMask(28, 28) });
      const res = await inpaint(g, mask, g.inpainting?.seed ?? -1);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-sampler")).toBe("wasm");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const out = await decodePng(new Uint8Array(await res.arrayBuffer()));
      const source = await decodePng(base64Bytes(g.png));
      expect(out.pixels.subarray(0, 14 * 28)).toEqual(source.pixels.subarray(0, 14 * 28));
      const expected = await decodePng(base64Bytes(g.inpaintingPng ?? ""));
      expect(out.pixels).toEqual(expected.pixels);
    });
  }

  it("refuses a mask that is not 0 and 255 with 400 naming the mask", async () => {
    const g = goldens[0];
    if (g === undefined) throw new Error("no golden");
    const soft = await encodePng({ width: 28, height: 28, channels: 1, pixels: new Uint8Array(784).fill(128) });
    const res = await inpaint(g, soft, 1);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request", param: "mask" } });
  });
});
