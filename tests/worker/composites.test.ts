// Class grids and interpolation strips inside workerd (WASM, R2, Cache API): the grid's
// tiles are the class samples the Worker serves, the strip's end frames the seeds' samples.

import { describe, expect, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import type { Raster } from "../../src/png/format.js";
import { call, shippedManifest } from "./helpers.js";

function tile(strip: Raster, i: number, w: number, h: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out.push(strip.pixels[(1 + y) * strip.width + 1 + i * (w + 1) + x] ?? -1);
  }
  return out;
}

async function png(path: string): Promise<{ response: Response; raster: Raster }> {
  const response = await call(path);
  expect(response.status).toBe(200);
  return { response, raster: await decodePng(new Uint8Array(await response.arrayBuffer())) };
}

describe("composites in the Worker", () => {
  const manifest = shippedManifest();
  const model = `${manifest.id}@${manifest.version}`;
  const { width: w, height: h } = manifest.image;

  it("a class grid holds each class's sample for the seed", async () => {
    const redirect = await call(`/v1/grids/${manifest.id}/3.png`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") ?? "";
    const { response, raster } = await png(location);
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(raster.width).toBe(manifest.classes.length * (w + 1) + 1);
    const guidance = new URL(location, "http://x").searchParams.get("guidance") ?? "";
    const sample = await png(`/v1/samples/${model}/null/3.png?guidance=${guidance}`.replace("/null/", "/sneaker/"));
    expect(tile(raster, 7, w, h)).toEqual(Array.from(sample.raster.pixels));
  });

  it("an interpolation strip starts and ends at the seeds' samples", async () => {
    const { raster } = await png(`/v1/interpolations/${model}/null/5-6.png?guidance=0.00&frames=3`);
    expect(raster.width).toBe(3 * (w + 1) + 1);
    const a = await png(`/v1/samples/${model}/null/5.png?guidance=0.00`);
    const b = await png(`/v1/samples/${model}/null/6.png?guidance=0.00`);
    const close = (x: number[], y: Uint8Array) => x.every((v, i) => Math.abs(v - (y[i] ?? 0)) <= 1);
    expect(close(tile(raster, 0, w, h), a.raster.pixels)).toBe(true);
    expect(close(tile(raster, 2, w, h), b.raster.pixels)).toBe(true);
  });
});
