// POST /v1/reconstruct inside workerd: F and G on WASM in the Worker, on a golden sample of
// the shipped model; the PSNR is recomputed here from the decoded pixels.

import { describe, expect, inject, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import type { ProvidedGolden } from "./golden-cases.js";
import { base64Bytes, call, SHIPPED_MODEL } from "./helpers.js";

const goldens: ProvidedGolden[] = inject("workerGoldens");

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return 20 * Math.log10(255) - 10 * Math.log10(se / a.length);
}

describe("POST /v1/reconstruct in the Worker", () => {
  it("reconstructs a golden sample of the shipped model; psnr_db is the pixels' PSNR", async () => {
    const golden = goldens.find((g) => g.model === SHIPPED_MODEL && g.bitsPerDim !== null);
    expect(golden, "no golden with forward.onnx for the shipped model").toBeDefined();
    if (golden === undefined) return;
    const input = base64Bytes(golden.png);
    const response = await call(`/v1/reconstruct?model=${golden.model}&class=${golden.class}`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: input,
    });
    expect(response.status).toBe(200);
    const body = await response.json<{ version: string; psnr_db: number; png_base64: string }>();
    expect(body.version).toBe(golden.version);
    const rec = await decodePng(base64Bytes(body.png_base64));
    const expected = psnr((await decodePng(input)).pixels, rec.pixels);
    expect(body.psnr_db).toBeCloseTo(expected, 9);
    expect(expected).toBeGreaterThan(8);
  });
});
