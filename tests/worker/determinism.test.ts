// Same (model, version, class, seed, guidance) -> same image on Node and in workerd: the
// Worker's PNGs against goldens computed on Node by the core app with the Node WASM sampler
// (npm run worker:golden), within 2/255 per pixel; and the same bits/dim for those PNGs
// under forward.onnx (POST /v1/encode).

import { describe, expect, inject, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import type { ProvidedGolden } from "./golden-cases.js";
import { base64Bytes, bundledManifests, call, SHIPPED_MODEL } from "./helpers.js";

const MAX_PIXEL_DIFF = 2;
/** Same WASM binary, same graph: only float summation order could differ. */
const MAX_BITS_PER_DIM_DIFF = 1e-4;
const goldens: ProvidedGolden[] = inject("workerGoldens");

describe("golden coverage", () => {
  it(`covers the shipped model ${SHIPPED_MODEL}`, () => {
    expect(goldens.map((g) => g.model)).toContain(SHIPPED_MODEL);
  });

  it.each(bundledManifests().map((m) => [`${m.id}@${m.version}`, m] as const))(
    "%s has goldens for its bundled version",
    (_, manifest) => {
      const mine = goldens.filter((g) => g.model === manifest.id);
      expect(mine.length, `no golden for ${manifest.id}: run npm run worker:golden`).toBeGreaterThan(0);
      for (const g of mine) {
        expect(g.version, `goldens of ${manifest.id} are stale: run npm run worker:golden`).toBe(manifest.version);
      }
    },
  );
});

describe("Worker samples match the Node WASM sampler", () => {
  it.each(goldens.map((g) => [`${g.model} class=${g.class} seed=${g.seed} guidance=${g.guidance}`, g] as const))(
    "%s",
    async (_, golden) => {
      const response = await call(
        `/v1/samples/${golden.model}@${golden.version}/${golden.class}/${golden.seed}.png?guidance=${golden.guidance}`,
      );
      expect(response.status).toBe(200);
      const actual = await decodePng(new Uint8Array(await response.arrayBuffer()));
      const expected = await decodePng(base64Bytes(golden.png));
      expect([actual.width, actual.height, actual.channels]).toEqual([
        expected.width,
        expected.height,
        expected.channels,
      ]);
      let worst = 0;
      expected.pixels.forEach((value, i) => {
        worst = Math.max(worst, Math.abs(value - (actual.pixels[i] ?? -255)));
      });
      expect(worst).toBeLessThanOrEqual(MAX_PIXEL_DIFF);
    },
  );
});

describe("Worker encodings match the Node WASM encoder", () => {
  const withF = goldens.filter((g) => g.bitsPerDim !== null);
  it.each(withF.map((g) => [`${g.model} class=${g.class} seed=${g.seed}`, g] as const))("%s", async (_, golden) => {
    const response = await call(`/v1/encode?model=${golden.model}&class=${golden.class}`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: base64Bytes(golden.png),
    });
    expect(response.status).toBe(200);
    const body = await response.json<{ model: string; version: string; bits_per_dim: number }>();
    expect(body).toMatchObject({ model: golden.model, version: golden.version });
    expect(Math.abs(body.bits_per_dim - (golden.bitsPerDim ?? NaN))).toBeLessThan(MAX_BITS_PER_DIM_DIFF);
  });
});
