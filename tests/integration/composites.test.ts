// Interpolation strips and class grids through a real router process (engine, s3rver): the
// strip's end frames are the seeds' own samples (decoded by zlib here), its frames are G
// on the spherical interpolant computed here, the grid's tiles are the class samples, and
// the canonical URLs are immutable, stored and redirect from other spellings.

import { describe, expect, inject, it } from "vitest";
import { readPngWithZlib, writePngWithZlib, type ZlibRaster } from "../helpers/png-zlib.js";

const MODEL = "tiny-biflow@0.0.1-fixture";

async function png(url: string): Promise<{ res: Response; raster: ZlibRaster }> {
  const res = await fetch(url);
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, raster: readPngWithZlib(new Uint8Array(await res.arrayBuffer())) };
}

/** Tile i (28x28) of a 1-pixel-gutter strip, read independently of src/images/tile.ts. */
function tile(strip: ZlibRaster, i: number): Uint8Array {
  const out = new Uint8Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) out[y * 28 + x] = strip.pixels[(1 + y) * strip.width + 1 + i * 29 + x] ?? -1;
  }
  return out;
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return worst;
}

describe("GET /v1/interpolations (seed form)", () => {
  it("redirects other spellings to the canonical URL", async () => {
    const base = inject("routerUrl");
    const res = await fetch(`${base}/v1/interpolations/tiny-biflow/4/1-2.png`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/v1/interpolations/${MODEL}/coat/1-2.png?guidance=1.00&frames=8`);
    const bad = await fetch(`${base}/v1/interpolations/${MODEL}/coat/1-2.png?guidance=1.00&frames=17`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("frames");
  });

  it("serves an immutable strip whose end frames are the two seeds' samples", async () => {
    const base = inject("routerUrl");
    const url = `${base}/v1/interpolations/${MODEL}/coat/11-12.png?guidance=0.50&frames=5`;
    const { res, raster } = await png(url);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(res.headers.get("x-sample-key")).toBe("interpolations/v1/tiny-biflow/0.0.1-fixture/4/g0.50/k5/11-12.png");
    expect(raster).toMatchObject({ width: 5 * 29 + 1, height: 30, channels: 1 });
    const a = (await png(`${base}/v1/samples/${MODEL}/coat/11.png?guidance=0.50`)).raster.pixels;
    const b = (await png(`${base}/v1/samples/${MODEL}/coat/12.png?guidance=0.50`)).raster.pixels;
    expect(maxDiff(tile(raster, 0), a)).toBeLessThanOrEqual(1);
    expect(maxDiff(tile(raster, 4), b)).toBeLessThanOrEqual(1);
    // Middle frames differ from both ends.
    expect(maxDiff(tile(raster, 2), a)).toBeGreaterThan(1);
    const again = await fetch(url, { headers: { "if-none-match": res.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
  });
});

describe("GET /v1/grids", () => {
  it("tiles one sample per class for the seed, in class order", async () => {
    const base = inject("routerUrl");
    const redirect = await fetch(`${base}/v1/grids/tiny-biflow/7.png`, { redirect: "manual" });
    expect(redirect.headers.get("location")).toBe(`/v1/grids/${MODEL}/7.png?guidance=1.00`);
    const { res, raster } = await png(`${base}/v1/grids/${MODEL}/7.png?guidance=1.00`);
    expect(res.headers.get("x-sample-key")).toBe("grids/v1/tiny-biflow/0.0.1-fixture/g1.00/7.png");
    expect(raster).toMatchObject({ width: 10 * 29 + 1, height: 30 });
    for (const [k, slug] of [
      [0, "t-shirt-top"],
      [7, "sneaker"],
      [9, "ankle-boot"],
    ] as const) {
      const sample = await png(`${base}/v1/samples/${MODEL}/${slug}/7.png?guidance=1.00`);
      expect(Array.from(tile(raster, k))).toEqual(Array.from(sample.raster.pixels));
    }
  });
});

describe("POST /v1/interpolations (two images through F)", () => {
  it("answers a strip from image a to image b (the fixture's F inverts G at guidance 0)", async () => {
    const base = inject("routerUrl");
    const card = (shift: number) => {
      const pixels = new Uint8Array(28 * 28);
      for (let i = 0; i < pixels.length; i++) pixels[i] = 30 + ((i * 5 + shift) % 190);
      return { width: 28, height: 28, channels: 1, pixels };
    };
    const a = card(0);
    const b = card(77);
    const form = new FormData();
    form.set("a", new Blob([writePngWithZlib(a)], { type: "image/png" }), "a.png");
    form.set("b", new Blob([writePngWithZlib(b)], { type: "image/png" }), "b.png");
    const res = await fetch(`${base}/v1/interpolations?model=tiny-biflow&class=bag&frames=3`, {
      method: "POST",
      body: form,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const strip = readPngWithZlib(new Uint8Array(await res.arrayBuffer()));
    expect(strip.width).toBe(3 * 29 + 1);
    expect(maxDiff(tile(strip, 0), a.pixels)).toBeLessThanOrEqual(1);
    expect(maxDiff(tile(strip, 2), b.pixels)).toBeLessThanOrEqual(1);
    const missing = new FormData();
    missing.set("a", new Blob([writePngWithZlib(a)]), "a.png");
    const refused = await fetch(`${base}/v1/interpolations?model=tiny-biflow`, { method: "POST", body: missing });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe("b");
  });
});
