// POST /v1/class-edits inside workerd: F and G on WASM in the Worker on a golden sample of the
// shipped model; F's exact inverse does not run there, so sampler=exact is the documented 422.

import { describe, expect, inject, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import type { ProvidedGolden } from "./golden-cases.js";
import { base64Bytes, call, SHIPPED_MODEL } from "./helpers.js";

const goldens: ProvidedGolden[] = inject("workerGoldens");

function golden(): ProvidedGolden {
  const found = goldens.find((g) => g.model === SHIPPED_MODEL && g.bitsPerDim !== null);
  if (found === undefined) throw new Error("no golden with forward.onnx for the shipped model");
  return found;
}

const post = (query: string, body: Uint8Array) =>
  call(`/v1/class-edits?${query}`, { method: "POST", headers: { "content-type": "image/png" }, body });

describe("POST /v1/class-edits in the Worker", () => {
  it("decodes a golden sample under another class with G, the same bytes twice", async () => {
    const g = golden();
    const input = base64Bytes(g.png);
    const to = g.class === "bag" ? "sneaker" : "bag";
    const first = await post(`model=${g.model}&class=${g.class}&to=${to}`, input);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-edit-to")).toBe(to);
    expect(first.headers.get("x-sampler")).toBe("wasm");
    expect(first.headers.get("cache-control")).toBe("no-store");
    const bytes = new Uint8Array(await first.arrayBuffer());
    const edited = await decodePng(bytes);
    const source = await decodePng(input);
    expect(edited.pixels.some((p, i) => Math.abs(p - (source.pixels[i] ?? 0)) > 64)).toBe(true);
    const second = new Uint8Array(
      await (await post(`model=${g.model}&class=${g.class}&to=${to}`, input)).arrayBuffer(),
    );
    expect(second).toEqual(bytes);
  });

  it("answers sampler=exact with 422 sampler_not_available", async () => {
    const g = golden();
    const res = await post(`model=${g.model}&class=${g.class}&to=bag&sampler=exact`, base64Bytes(g.png));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { type: "sampler_not_available", param: "sampler" } });
  });
});
