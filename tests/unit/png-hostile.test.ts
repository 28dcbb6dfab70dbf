// Hostile PNGs (built with node:zlib, tests/helpers/hostile-png.ts): the decoder refuses each
// with PngError, never another error, and POST /v1/encode answers each with 400 JSON.

import { beforeAll, describe, expect, it } from "vitest";
import { decodePng, PngError } from "../../src/png/decode.js";
import { inflateBounded, InflateLimitError } from "../../src/png/inflate.js";
import { bombPng, greyPng, hostilePngs } from "../helpers/hostile-png.js";
import { makeTestApp, type TestApp } from "../helpers/fixtures.js";
import { deflateSync } from "node:zlib";

let pngs: Record<string, Uint8Array>;
let t: TestApp;

beforeAll(async () => {
  pngs = hostilePngs();
  t = await makeTestApp({}, { MAX_IMAGE_BYTES: String(1024 * 1024) });
});

describe("inflateBounded", () => {
  it("returns the exact bytes under the budget and stops past it", async () => {
    const data = Buffer.from("biflow ".repeat(1000));
    expect(Buffer.from(await inflateBounded(deflateSync(data), data.length))).toEqual(data);
    await expect(inflateBounded(deflateSync(data), data.length - 1)).rejects.toBeInstanceOf(InflateLimitError);
  });
});

describe("decodePng on hostile input", () => {
  it("decodes a well-formed PNG made by node:zlib", async () => {
    const raster = await decodePng(greyPng(28, 28, 77));
    expect([raster.width, raster.height, raster.channels]).toEqual([28, 28, 1]);
    expect(raster.pixels.every((p) => p === 77)).toBe(true);
  });

  it("throws PngError, and only PngError, for every malformed PNG", async () => {
    for (const [name, bytes] of Object.entries(pngs)) {
      const err: unknown = await decodePng(bytes).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(PngError);
    }
  });

  it("stops a bomb at the size IHDR implies, and refuses sizes over the pixel limit before inflating", async () => {
    await expect(decodePng(bombPng(28, 28, 200 * 1024 * 1024))).rejects.toThrow(/inflates past 812 bytes/);
    await expect(decodePng(greyPng(64, 64), { maxPixels: 1000 })).rejects.toThrow(/64x64 is over 1000 pixels/);
  });
});

describe("POST /v1/encode with hostile PNGs", () => {
  it("answers every malformed PNG with 400 invalid_request on param body", async () => {
    for (const [name, bytes] of Object.entries(pngs)) {
      const res = await t.app.request("/v1/encode?model=tiny-biflow", {
        method: "POST",
        headers: { "content-type": "image/png" },
        body: bytes.slice(),
      });
      expect(res.status, name).toBe(400);
      const body = (await res.json()) as { error: { type: string; param: string | null; message: string } };
      expect(body.error.type, name).toBe("invalid_request");
      expect(body.error.param, name).toBe("body");
    }
  });

  it("names the declared size of a huge PNG without inflating it", async () => {
    const res = await t.app.request("/v1/encode?model=tiny-biflow", {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: (pngs["huge dimensions"] ?? new Uint8Array()).slice(),
    });
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/must be 28x28 greyscale .* got 2147483647x2147483647 greyscale/);
  });
});
