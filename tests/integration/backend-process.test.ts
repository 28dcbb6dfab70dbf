// The GPU backend as a real process (CPU provider here) with the test s3rver: a tampered
// model is refused while the others load, CUDA falls back to CPU with a warning, concurrent
// requests share batches, PNGs land in S3 under the router's keys, and unsigned, wrongly
// signed, stale or replayed requests get 401 with nothing computed.

import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fromBase64 } from "../../src/bytes.js";
import { GenerateResponseSchema, type GenerateResponse } from "../../src/contract/backend-v1.js";
import { sampleKey } from "../../src/keys.js";
import { decodePng } from "../../src/png/decode.js";
import { generateBody, metricValue, signedInit, startBackend } from "../helpers/backend.js";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";
import type { Running } from "../helpers/processes.js";
import { objectBytes, testS3Client } from "../helpers/s3.js";
import { BUCKET, S3RVER_CREDENTIALS, routerEnv } from "./global-setup.js";

let backend: Running & { url: string };
let modelsDir: string;
const s3 = testS3Client(inject("s3Endpoint"), S3RVER_CREDENTIALS);

beforeAll(async () => {
  // tiny-biflow as shipped; tiny-rgb with one byte of its reverse.onnx changed (same size).
  modelsDir = await mkdtemp(path.join(tmpdir(), "biflow-backend-models-"));
  await cp(FIXTURE_MODELS_DIR, modelsDir, { recursive: true });
  const victim = path.join(modelsDir, "tiny-rgb", "reverse.onnx");
  const bytes = await readFile(victim);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  await writeFile(victim, bytes);
  backend = await startBackend({
    ...routerEnv(inject("s3Endpoint")),
    MODELS_DIR: modelsDir,
    EXECUTION_PROVIDERS: "cuda,cpu",
    MAX_BATCH: "32",
    // Long enough that requests sent together always meet in one batch, even on a busy machine.
    MAX_DELAY_MS: "150",
  });
});

afterAll(async () => {
  // SIGTERM: finish in-flight work, stop the workers, exit 0.
  const code = await backend.stop("SIGTERM");
  await rm(modelsDir, { recursive: true, force: true });
  expect(code, backend.output()).toBe(0);
  expect(backend.output()).toContain('"message":"shutting down","signal":"SIGTERM"');
});

async function generate(init: RequestInit): Promise<Response> {
  return fetch(`${backend.url}/v1/generate`, init);
}

async function metrics(): Promise<string> {
  return (await fetch(`${backend.url}/metrics`)).text();
}

function logLines(): Record<string, unknown>[] {
  return backend
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("backend start-up", () => {
  it("refuses the model whose file does not match its sha256, and serves the others", async () => {
    const refusal = logLines().find((l) => l.message === "model refused: a file does not match its manifest");
    expect(refusal).toMatchObject({ level: "error", model: "tiny-rgb@0.0.1-fixture" });
    expect(String(refusal?.reason)).toMatch(/reverse\.onnx: sha256 [0-9a-f]{64} does not match the manifest/);
    const ready = (await (await fetch(`${backend.url}/health/ready`)).json()) as { models: { id: string }[] };
    expect(ready.models.map((m) => m.id)).toEqual(["tiny-biflow"]);
    const res = await generate(await signedInit(generateBody({ model: "tiny-rgb", class: 1 })));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("model_not_found");
  });

  it("falls back from CUDA to CPU with a clear warning; /health and /metrics show the provider used", async () => {
    const warning = logLines().find((l) => l.message === "execution provider unavailable, falling back");
    expect(warning).toMatchObject({
      level: "warn",
      model: "tiny-biflow@0.0.1-fixture",
      unavailable: "cuda",
      fallback: "cpu",
    });
    // Found absent before ORT was asked, so ORT's own red load error never shows (issue 13).
    expect(String(warning?.error)).toMatch(/libonnxruntime_providers_\w+\.so is not installed/);
    expect(backend.output()).not.toMatch(/Failed to load library/);
    const session = logLines().find((l) => l.message === "session ready");
    expect(session).toMatchObject({ provider: "cpu", nodes: { CPUExecutionProvider: expect.any(Number) as number } });
    const text = await metrics();
    expect(metricValue(text, 'biflow_backend_execution_provider{model="tiny-biflow",provider="cpu"}')).toBe(1);
    const ready = (await (await fetch(`${backend.url}/health/ready`)).json()) as {
      models: { execution_provider: string }[];
    };
    expect(ready.models[0]?.execution_provider).toBe("cpu");
  });
});

describe("backend batching and output", () => {
  it("runs concurrent requests as shared batches and writes their PNGs to S3 under the router's keys", async () => {
    const before = await metrics();
    const requests = Array.from({ length: 8 }, (_, i) =>
      generateBody({ seeds: [5000 + 2 * i, 5001 + 2 * i], class: i % 3 === 0 ? null : i, output: "s3+inline" }),
    );
    const responses = await Promise.all(
      requests.map(async (body) => {
        const res = await generate(await signedInit(body));
        expect(res.status).toBe(200);
        return GenerateResponseSchema.parse(await res.json());
      }),
    );
    const sizes = responses.map((r: GenerateResponse) => r.batch_size);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    const after = await metrics();
    const runs =
      metricValue(after, 'biflow_backend_batch_size_count{model="tiny-biflow"}') -
      metricValue(before, 'biflow_backend_batch_size_count{model="tiny-biflow"}');
    const images =
      metricValue(after, 'biflow_backend_batch_size_sum{model="tiny-biflow"}') -
      metricValue(before, 'biflow_backend_batch_size_sum{model="tiny-biflow"}');
    // 16 images in fewer runs than requests: batches formed across requests.
    expect(images).toBe(16);
    expect(runs).toBeLessThan(requests.length);
    for (const [i, r] of responses.entries()) {
      const body = requests[i];
      if (body === undefined) throw new Error("request missing");
      expect(r.stored).toBe(true);
      expect(r.timings_ms.upload).toBeGreaterThan(0);
      for (const s of r.samples) {
        expect(s.key).toBe(
          sampleKey({
            modelId: "tiny-biflow",
            version: "0.0.1-fixture",
            classIndex: body.class,
            seed: s.seed,
            guidance: 1.5,
          }),
        );
        const { bytes: stored, contentType } = await objectBytes(s3, BUCKET, s.key);
        expect(contentType).toBe("image/png");
        expect(stored).toEqual(fromBase64(s.png ?? ""));
        const png = await decodePng(stored);
        expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
      }
    }
  });
});

describe("backend signatures", () => {
  it("answers unsigned, wrongly signed, stale and replayed requests with 401 and computes nothing", async () => {
    const before = await metrics();
    const body = generateBody({ seeds: [77] });
    const good = await signedInit(body);
    const first = await generate(good);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const afterFirst = await metrics();
    const refused = [
      await generate({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      await generate(await signedInit(body, { secret: "another-secret-that-is-long-enough-000" })),
      await generate(await signedInit(body, { nowMs: Date.now() - 61_000 })),
      await generate(good),
    ];
    for (const res of refused) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("unauthorized");
    }
    const after = await metrics();
    const images = (t: string) => metricValue(t, 'biflow_backend_images_total{model="tiny-biflow"}');
    expect(images(afterFirst) - images(before)).toBe(1);
    expect(images(after)).toBe(images(afterFirst));
    expect(metricValue(after, 'biflow_backend_requests_total{outcome="unauthorized"}')).toBeGreaterThanOrEqual(4);
  });
});
