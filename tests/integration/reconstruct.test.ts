// POST /v1/reconstruct against real router processes: the closed-form fixture (its F is G's
// exact inverse at guidance 0, so G(F(x)) must give x back) and the trained model over
// models/ (imperfect reconstructions), with PSNR recomputed here from zlib-decoded pixels.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";
import { psnrOf, readPngWithZlib, writePngWithZlib } from "../helpers/png-zlib.js";
import { startRouter, type Running } from "../helpers/processes.js";

interface Reconstruction {
  model: string;
  version: string;
  class: number | null;
  guidance: number;
  psnr_db: number;
  png_base64: string;
}

const started: Running[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((r) => r.stop("SIGKILL")));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function reconstruct(base: string, query: string, png: Uint8Array, type = "image/png") {
  const body = new Blob([new Uint8Array(png)]);
  return fetch(`${base}/v1/reconstruct?${query}`, { method: "POST", headers: { "content-type": type }, body });
}

/** A smooth 28x28 greyscale test card whose pixels stay inside 1..254 (atanh is finite there). */
function testCard(): Uint8Array {
  const pixels = new Uint8Array(28 * 28);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) pixels[y * 28 + x] = 20 + ((x * 7 + y * 3) % 215);
  return writePngWithZlib({ width: 28, height: 28, channels: 1, pixels });
}

describe("POST /v1/reconstruct on the closed-form fixture", () => {
  it("gives the input back (F inverts G at guidance 0) and a PSNR that matches the pixels", async () => {
    const card = testCard();
    const res = await reconstruct(inject("routerUrl"), "model=tiny-biflow&class=coat", card);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Reconstruction;
    expect(body).toMatchObject({ model: "tiny-biflow", class: 4, guidance: 0 });
    const input = readPngWithZlib(card).pixels;
    const rec = readPngWithZlib(new Uint8Array(Buffer.from(body.png_base64, "base64")));
    expect(rec).toMatchObject({ width: 28, height: 28, channels: 1 });
    let worst = 0;
    for (let i = 0; i < input.length; i++) worst = Math.max(worst, Math.abs((input[i] ?? 0) - (rec.pixels[i] ?? 0)));
    expect(worst).toBeLessThanOrEqual(1);
    expect(body.psnr_db).toBeCloseTo(Math.min(100, psnrOf(input, rec.pixels)), 9);
  });

  it("keeps the input rules of /v1/encode", async () => {
    const base = inject("routerUrl");
    const card = testCard();
    expect((await reconstruct(base, "model=tiny-biflow", card, "image/jpeg")).status).toBe(415);
    expect((await reconstruct(base, "model=nope", card)).status).toBe(404);
    const wrongShape = await reconstruct(base, "model=tiny-rgb", card);
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { error: { param: string } }).error.param).toBe("body");
    const badClass = await reconstruct(base, "model=tiny-biflow&class=spaceship", card);
    expect(((await badClass.json()) as { error: { param: string } }).error.param).toBe("class");
  });
});

describe("POST /v1/reconstruct on the trained model (models/)", () => {
  it("reconstructs a sample imperfectly, and psnr_db is the pixels' PSNR", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "biflow-reconstruct-"));
    dirs.push(dataDir);
    const router = await startRouter({ MODELS_DIR: "", DATA_DIR: dataDir, S3_ENDPOINT: "", GPU_BACKEND_URLS: "" });
    started.push(router);
    const manifest = JSON.parse(await readFile(path.join(ROOT, "models/fmnist-biflow-s/manifest.json"), "utf8")) as {
      id: string;
      version: string;
    };
    const sample = await fetch(`${router.url}/v1/samples/${manifest.id}/sneaker/42.png`);
    expect(sample.status).toBe(200);
    const png = new Uint8Array(await sample.arrayBuffer());
    for (const query of [`model=${manifest.id}&class=sneaker`, `model=${manifest.id}`]) {
      const res = await reconstruct(router.url, query, png);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Reconstruction;
      expect(body.version).toBe(manifest.version);
      const rec = readPngWithZlib(new Uint8Array(Buffer.from(body.png_base64, "base64")));
      const expected = psnrOf(readPngWithZlib(png).pixels, rec.pixels);
      expect(body.psnr_db).toBeCloseTo(expected, 9);
      // A trained G does not invert F exactly: finite PSNR, far from noise.
      expect(expected).toBeGreaterThan(8);
      expect(expected).toBeLessThan(60);
    }
  });
});
