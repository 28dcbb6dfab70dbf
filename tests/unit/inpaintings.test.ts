// POST /v1/inpaintings on the closed-form fixture through the WASM encoder and decoder:
// pixels against a golden computed in numpy from the fixture's formulas and the documented
// noise (tests/fixtures/make_inpaint_golden.py), kept pixels byte for byte, and the route's
// rules as 4xx JSON naming the field.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { INPAINT_NOISE } from "../../src/edits/inpaint.js";
import { readMask } from "../../src/edits/mask.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmDecoder } from "../../src/onnx/wasm-decoder.js";
import { WasmEncoder } from "../../src/onnx/wasm-encoder.js";
import { decodePng } from "../../src/png/decode.js";
import { encodePng } from "../../src/png/encode.js";
import { fixtureRegistry, makeTestApp, ROOT, type TestApp } from "../helpers/fixtures.js";

interface Golden {
  schedule: { from: number; to: number; seamDecay: number };
  input: number[];
  masks: Record<string, number[]>;
  cases: { class: string; mask: string; seed: number; steps: number; guidance: number; pixels: number[] }[];
}

let t: TestApp;
let golden: Golden;
let card: Uint8Array;

const grey = (pixels: ArrayLike<number>, width = 28, height = 28) =>
  encodePng({ width, height, channels: 1, pixels: Uint8Array.from(pixels) });
const maskPng = (fill: number[]) => grey(fill.map((f) => (f === 1 ? 255 : 0)));

beforeAll(async () => {
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  t = await makeTestApp({ encoders: [new WasmEncoder(runtime)], decoders: [new WasmDecoder(runtime)] });
  golden = JSON.parse(await readFile(path.join(ROOT, "tests/fixtures/inpaint/tiny-biflow.json"), "utf8")) as Golden;
  card = await grey(golden.input);
});

function form(fields: Record<string, Uint8Array | string>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") body.append(name, value);
    else body.append(name, new Blob([value.slice()], { type: "image/png" }), `${name}.png`);
  }
  return body;
}

function inpaint(query: string, body: FormData | string, contentType?: string) {
  return t.app.request(`/v1/inpaintings?${query}`, {
    method: "POST",
    ...(contentType === undefined ? {} : { headers: { "content-type": contentType } }),
    body,
  });
}

describe("POST /v1/inpaintings", () => {
  it("was made for the schedule the service runs (else rerun make_inpaint_golden.py)", () => {
    expect(golden.schedule).toEqual(INPAINT_NOISE);
  });

  it("fills the mask as the numpy golden does, within 1/255, and keeps every other byte", async () => {
    for (const c of golden.cases) {
      const mask = golden.masks[c.mask] ?? [];
      const query = `model=tiny-biflow&class=${c.class}&seed=${c.seed}&steps=${c.steps}&guidance=${c.guidance}`;
      const res = await inpaint(query, form({ image: card, mask: await maskPng(mask) }));
      expect(res.status, query).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-class")).toBe(c.class);
      expect(res.headers.get("x-seed")).toBe(String(c.seed));
      expect(res.headers.get("x-steps")).toBe(String(c.steps));
      expect(res.headers.get("x-model-version")).toBe("0.0.1-fixture");
      const out = await decodePng(new Uint8Array(await res.arrayBuffer()));
      let worst = 0;
      let filledChanged = 0;
      out.pixels.forEach((p, i) => {
        worst = Math.max(worst, Math.abs(p - (c.pixels[i] ?? -999)));
        if (mask[i] === 0) expect(p, `kept pixel ${i}`).toBe(golden.input[i]);
        else if (p !== golden.input[i]) filledChanged++;
      });
      expect(worst, query).toBeLessThanOrEqual(1);
      expect(filledChanged, "the holes are redrawn").toBeGreaterThan(0);
    }
  });

  it("gives the same bytes for the same seed, others for another, and x-seed when it picks one", async () => {
    const mask = await maskPng(golden.masks.lower ?? []);
    const run = async (query: string) => {
      const res = await inpaint(query, form({ image: card, mask }));
      return { seed: res.headers.get("x-seed"), bytes: new Uint8Array(await res.arrayBuffer()) };
    };
    const a = await run("model=tiny-biflow&class=coat&seed=3");
    const b = await run("model=tiny-biflow&class=coat&seed=3");
    const other = await run("model=tiny-biflow&class=coat&seed=4");
    expect(a.bytes).toEqual(b.bytes);
    expect(other.bytes).not.toEqual(a.bytes);
    const picked = await run("model=tiny-biflow&class=coat");
    expect(picked.seed).toMatch(/^\d+$/);
    expect((await run(`model=tiny-biflow&class=coat&seed=${picked.seed ?? ""}`)).bytes).toEqual(picked.bytes);
  });

  it("answers an all-keep mask with the image itself", async () => {
    const res = await inpaint("model=tiny-biflow&seed=1", form({ image: card, mask: await grey(new Uint8Array(784)) }));
    expect(res.status).toBe(200);
    expect((await decodePng(new Uint8Array(await res.arrayBuffer()))).pixels).toEqual(Uint8Array.from(golden.input));
  });

  it("keeps every channel of a kept pixel on an RGB model", async () => {
    const pixels = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
    const image = await encodePng({ width: 8, height: 8, channels: 3, pixels });
    const fill = Array.from({ length: 64 }, (_, p) => (p < 32 ? 0 : 255));
    const res = await inpaint("model=tiny-rgb&class=green&seed=2", form({ image, mask: await grey(fill, 8, 8) }));
    expect(res.status).toBe(200);
    const out = await decodePng(new Uint8Array(await res.arrayBuffer()));
    expect(out.channels).toBe(3);
    expect(out.pixels.subarray(0, 32 * 3)).toEqual(pixels.subarray(0, 32 * 3));
  });

  it("accepts the README's masks, each the region its name says", async () => {
    const regions: Record<string, (x: number, y: number) => boolean> = {
      "lower-half": (_x, y) => y >= 14,
      "upper-half": (_x, y) => y < 14,
      centre: (x, y) => x >= 7 && x < 21 && y >= 7 && y < 21,
    };
    const manifest = (await fixtureRegistry()).get("tiny-biflow")?.manifest;
    if (manifest === undefined) throw new Error("no tiny-biflow fixture");
    for (const [name, inside] of Object.entries(regions)) {
      const fill = await readMask(await readFile(path.join(ROOT, "docs/edits/masks", `${name}.png`)), manifest);
      expect(Array.from(fill), name).toEqual(
        Array.from({ length: 784 }, (_, p) => (inside(p % 28, Math.floor(p / 28)) ? 1 : 0)),
      );
    }
  });

  it("names the field of every bad input", async () => {
    const lower = await maskPng(golden.masks.lower ?? []);
    const soft = await grey(Array.from({ length: 784 }, (_, i) => (i === 30 ? 17 : 0)));
    const small = await grey(new Uint8Array(64), 8, 8);
    const rgbMask = await encodePng({ width: 28, height: 28, channels: 3, pixels: new Uint8Array(784 * 3) });
    const cases: [string, FormData, number, string][] = [
      ["model=tiny-biflow&steps=0", form({ image: card, mask: lower }), 400, "steps"],
      ["model=tiny-biflow&steps=33", form({ image: card, mask: lower }), 400, "steps"],
      ["model=tiny-biflow&seed=-1", form({ image: card, mask: lower }), 400, "seed"],
      ["model=tiny-biflow&seed=4294967296", form({ image: card, mask: lower }), 400, "seed"],
      ["model=tiny-biflow&guidance=99", form({ image: card, mask: lower }), 400, "guidance"],
      ["model=tiny-biflow&class=spaceship", form({ image: card, mask: lower }), 400, "class"],
      ["model=nope", form({ image: card, mask: lower }), 404, "model"],
      ["model=tiny-biflow", form({ mask: lower }), 400, "image"],
      ["model=tiny-biflow", form({ image: card }), 400, "mask"],
      ["model=tiny-biflow", form({ image: "text", mask: lower }), 400, "image"],
      ["model=tiny-biflow", form({ image: new Uint8Array([1, 2, 3]), mask: lower }), 400, "image"],
      ["model=tiny-biflow", form({ image: lower, mask: new Uint8Array([1, 2, 3]) }), 400, "mask"],
      ["model=tiny-biflow", form({ image: card, mask: soft }), 400, "mask"],
      ["model=tiny-biflow", form({ image: card, mask: small }), 400, "mask"],
      ["model=tiny-biflow", form({ image: card, mask: rgbMask }), 400, "mask"],
      ["model=tiny-biflow", form({ image: small, mask: lower }), 400, "image"],
    ];
    for (const [query, body, status, param] of cases) {
      const res = await inpaint(query, body);
      expect(res.status, `${query} ${param}`).toBe(status);
      const json = (await res.json()) as { error: { type: string; param?: string; message: string } };
      expect(json.error.param ?? json.error.message, `${query} ${param}`).toContain(param);
    }
    const soft400 = (await (await inpaint("model=tiny-biflow", form({ image: card, mask: soft }))).json()) as {
      error: { message: string };
    };
    expect(soft400.error.message).toContain("pixel (2, 1) is 17");
    expect((await inpaint("model=tiny-biflow", "image=x", "application/x-www-form-urlencoded")).status).toBe(415);
  });
});
