// POST /v1/class-edits on the closed-form fixture through the WASM encoder and decoder:
// pixels against a golden computed in numpy from the fixture's formulas
// (tests/fixtures/make_class_edit_golden.py), and the route's rules as 4xx JSON.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmDecoder } from "../../src/onnx/wasm-decoder.js";
import { WasmEncoder } from "../../src/onnx/wasm-encoder.js";
import { decodePng } from "../../src/png/decode.js";
import { encodePng } from "../../src/png/encode.js";
import { makeTestApp, ROOT, type TestApp } from "../helpers/fixtures.js";

interface Golden {
  input: number[];
  cases: { class: string; to: string; guidance: number; pixels: number[] }[];
}

let t: TestApp;
let golden: Golden;
let card: Uint8Array;

beforeAll(async () => {
  const runtime = new OrtRuntime({ wasm: nodeWasmLoading() });
  t = await makeTestApp({ encoders: [new WasmEncoder(runtime)], decoders: [new WasmDecoder(runtime)] });
  golden = JSON.parse(await readFile(path.join(ROOT, "tests/fixtures/class-edit/tiny-biflow.json"), "utf8")) as Golden;
  card = await encodePng({ width: 28, height: 28, channels: 1, pixels: Uint8Array.from(golden.input) });
});

function edit(query: string, body: Uint8Array | string = card, contentType = "image/png") {
  return t.app.request(`/v1/class-edits?${query}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : body.slice(),
  });
}

describe("POST /v1/class-edits", () => {
  it("decodes the image's noise under the new class: the numpy golden within 1/255", async () => {
    for (const c of golden.cases) {
      const res = await edit(`model=tiny-biflow&class=${c.class}&to=${c.to}&guidance=${c.guidance}`);
      expect(res.status, JSON.stringify(c)).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-edit-from")).toBe(c.class);
      expect(res.headers.get("x-edit-to")).toBe(c.to);
      expect(res.headers.get("x-model-version")).toBe("0.0.1-fixture");
      expect(res.headers.get("x-edit-sampler")).toBe("g");
      const out = await decodePng(new Uint8Array(await res.arrayBuffer()));
      let worst = 0;
      out.pixels.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - (c.pixels[i] ?? -999)))));
      expect(worst, `${c.class} -> ${c.to}`).toBeLessThanOrEqual(1);
    }
  });

  it("defaults guidance to the model's default and is deterministic", async () => {
    const a = await edit("model=tiny-biflow&class=coat&to=sneaker");
    expect(a.headers.get("x-guidance")).toBe("1.00"); // tiny-biflow's default
    const b = await edit("model=tiny-biflow&class=coat&to=sneaker&guidance=1");
    expect(new Uint8Array(await a.arrayBuffer())).toEqual(new Uint8Array(await b.arrayBuffer()));
  });

  it("answers sampler=exact with 422 where no decoder runs F's exact inverse", async () => {
    const res = await edit("model=tiny-biflow&class=coat&to=sneaker&sampler=exact");
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { type: "sampler_not_available", param: "sampler" } });
  });

  it("names the field of every bad input", async () => {
    const cases: [string, Uint8Array | string, string, number, string][] = [
      ["model=tiny-biflow&class=coat", card, "image/png", 400, "to"],
      ["model=tiny-biflow&to=spaceship", card, "image/png", 400, "to"],
      ["model=tiny-biflow&to=bag&guidance=abc", card, "image/png", 400, "guidance"],
      ["model=tiny-biflow&to=bag&guidance=99", card, "image/png", 400, "guidance"],
      ["model=tiny-biflow&to=bag&sampler=jacobi", card, "image/png", 400, "sampler"],
      ["model=tiny-biflow&to=bag", "not a png", "image/png", 400, "body"],
      ["model=nope&to=bag", card, "image/png", 404, "model"],
    ];
    for (const [query, body, type, status, param] of cases) {
      const res = await edit(query, body, type);
      expect(res.status, query).toBe(status);
      const json = (await res.json()) as { error: { param?: string; message: string } };
      expect(json.error.param ?? json.error.message, query).toContain(param);
    }
    expect((await edit("model=tiny-biflow&to=bag", card, "image/jpeg")).status).toBe(415);
  });
});
