// POST /v1/encode: the likelihood arithmetic, the WASM encoder on the fixture forward.onnx
// checked against its closed form, and every rule of the route as 4xx JSON.

import { beforeAll, describe, expect, it } from "vitest";
import { nodeWasmLoading } from "../../node/ort-wasm.js";
import { bitsPerDim, logLikelihood, rasterToTensor } from "../../src/encode/likelihood.js";
import { parseManifest } from "../../src/models/manifest.js";
import { createModelEntry, createModelRegistry, type ModelRegistry } from "../../src/models/registry.js";
import { OrtRuntime } from "../../src/onnx/runtime.js";
import { WasmEncoder } from "../../src/onnx/wasm-encoder.js";
import { encodePng } from "../../src/png/encode.js";
import { fixtureRegistry, makeTestApp, type TestApp } from "../helpers/fixtures.js";

let registry: ModelRegistry;
let encoder: WasmEncoder;
let t: TestApp;
/** A 28x28 greyscale image with a wide range of values. */
const pixels = Uint8Array.from({ length: 784 }, (_, i) => (i * 97 + 13) % 256);
let png: Uint8Array;

beforeAll(async () => {
  registry = await fixtureRegistry();
  encoder = new WasmEncoder(new OrtRuntime({ wasm: nodeWasmLoading() }));
  t = await makeTestApp({ encoders: [encoder] }, { MAX_IMAGE_BYTES: "2048" });
  png = await encodePng({ width: 28, height: 28, channels: 1, pixels });
});

function encode(query: string, body: Uint8Array | string, contentType = "image/png", app = t.app) {
  return app.request(`/v1/encode${query}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : body.slice(),
  });
}

describe("likelihood arithmetic", () => {
  it("maps bytes to [-1, 1] channels-first", () => {
    const out = rasterToTensor({
      width: 2,
      height: 1,
      channels: 3,
      pixels: Uint8Array.from([0, 255, 51, 102, 153, 204]),
    });
    expect(Array.from(out, (v) => Math.round(v * 1e6) / 1e6)).toEqual([-1, -0.2, 1, 0.2, -0.6, 0.6]);
  });

  it("is the standard normal density plus logdet, in bits per 8-bit dimension", () => {
    const z = new Float32Array(4); // z = 0: log p = -2 log(2 pi)
    expect(logLikelihood(z, 1.5)).toBeCloseTo(-2 * Math.log(2 * Math.PI) + 1.5, 12);
    const logp = -1000;
    expect(bitsPerDim(logp, 784)).toBeCloseTo(1000 / (784 * Math.LN2) + Math.log2(127.5), 12);
  });
});

describe("WasmEncoder", () => {
  it("matches the fixture's closed form: z = atanh(x) / 0.5, logdet = sum(-log 0.5 - log(1 - x^2))", async () => {
    const model = registry.get("tiny-biflow");
    if (model === undefined) throw new Error("fixture missing");
    const images = rasterToTensor({ width: 28, height: 28, channels: 1, pixels });
    const [out] = await encoder.encode({ model, classInput: 10, images, count: 1 });
    let logdet = 0;
    images.forEach((v, i) => {
      const x = Math.min(0.999, Math.max(-0.999, v));
      expect(out?.z[i]).toBeCloseTo(Math.atanh(x) / 0.5, 3);
      logdet += -Math.log(0.5) - Math.log(1 - x * x);
    });
    expect(out?.logdet).toBeCloseTo(logdet, 1);
  });
});

describe("POST /v1/encode", () => {
  it("returns the log-likelihood, bits/dim and, on request, the noise", async () => {
    const res = await encode("?model=tiny-biflow&noise=true", png);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bits_per_dim: number; log_likelihood_nats: number; z: number[]; class: null };
    expect(body.class).toBeNull();
    expect(body.z).toHaveLength(784);
    expect(body.bits_per_dim).toBeCloseTo(bitsPerDim(body.log_likelihood_nats, 784), 9);
    expect(Number.isFinite(body.bits_per_dim)).toBe(true);
    const conditional = (await (await encode("?model=tiny-biflow&class=Sneaker", png)).json()) as {
      class: number;
      bits_per_dim: number;
      z?: unknown;
    };
    expect(conditional.class).toBe(7);
    expect(conditional.z).toBeUndefined();
    expect(conditional.bits_per_dim).not.toBe(body.bits_per_dim);
  });

  async function expectError(res: Response, status: number, type: string, param: string | null, message: RegExp) {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { type: string; param: string | null; message: string } };
    expect(body.error).toMatchObject({ type, param });
    expect(body.error.message).toMatch(message);
  }

  it("refuses bad requests with the documented 4xx JSON", async () => {
    await expectError(await encode("", png), 400, "invalid_request", "model", /model is required/);
    await expectError(await encode("?model=nope", png), 404, "model_not_found", "model", /unknown model "nope"/);
    await expectError(
      await encode("?model=tiny-biflow", png, "image/jpeg"),
      415,
      "unsupported_media_type",
      null,
      /image\/png/,
    );
    await expectError(await encode("?model=tiny-biflow&class=hat", png), 400, "invalid_request", "class", /not one of/);
    await expectError(
      await encode("?model=tiny-biflow&noise=maybe", png),
      400,
      "invalid_request",
      "noise",
      /true or false/,
    );
    await expectError(
      await encode("?model=tiny-biflow", "not a png"),
      400,
      "invalid_request",
      "body",
      /must be an 8-bit greyscale or RGB PNG/,
    );
    const rgb = await encodePng({ width: 8, height: 8, channels: 3, pixels: new Uint8Array(192) });
    await expectError(
      await encode("?model=tiny-biflow", rgb),
      400,
      "invalid_request",
      "body",
      /must be 28x28 greyscale for model tiny-biflow; got 8x8 RGB/,
    );
    await expectError(
      await encode("?model=tiny-biflow", new Uint8Array(4096)),
      413,
      "payload_too_large",
      null,
      /2048 bytes/,
    );
  });

  it("refuses models without forward.onnx, and answers 503 with no encoder", async () => {
    const model = registry.get("tiny-biflow");
    if (model === undefined) throw new Error("fixture missing");
    const { forward: _forward, ...files } = model.manifest.files;
    const noForward = createModelEntry(parseManifest({ ...model.manifest, files }, "test"), () =>
      Promise.reject(new Error("unused")),
    );
    const app = (await makeTestApp({ encoders: [encoder], registry: createModelRegistry([noForward]) })).app;
    await expectError(
      await encode("?model=tiny-biflow", png, "image/png", app),
      400,
      "invalid_request",
      "model",
      /no forward\.onnx/,
    );
    const bare = (await makeTestApp()).app;
    await expectError(
      await encode("?model=tiny-biflow", png, "image/png", bare),
      503,
      "sampler_unavailable",
      null,
      /no encoder/,
    );
  });
});
