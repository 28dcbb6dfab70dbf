// End to end on Node against real processes: the router (node/main.ts) storing in s3rver,
// checked from the outside with @aws-sdk/client-s3 and plain HTTP.

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, inject, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { S3RVER_CREDENTIALS } from "./global-setup.js";

const routerUrl = inject("routerUrl");
const bucket = inject("bucket");
const s3 = new S3Client({
  endpoint: inject("s3Endpoint"),
  region: "us-east-1",
  forcePathStyle: true,
  credentials: S3RVER_CREDENTIALS,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});

interface Sample {
  seed: number;
  url: string;
  key: string;
  source: string;
}

async function post(body: unknown): Promise<Response> {
  return fetch(`${routerUrl}/v1/samples`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function samplerCalls(): Promise<number> {
  const text = await (await fetch(`${routerUrl}/metrics`)).text();
  return [...text.matchAll(/^biflow_sampler_calls_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function bucketKeys(): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? "").sort();
}

async function objectBytes(key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body: unknown = out.Body;
  if (typeof body !== "object" || body === null || !("transformToByteArray" in body)) throw new Error("no body");
  return (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
}

describe("router + s3rver", () => {
  it("is live and ready with the S3 store", async () => {
    const ready = await fetch(`${routerUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.checks.store?.detail).toContain(`bucket ${bucket} reachable`);
    expect(body.checks["sampler:engine"]?.detail).toMatch(/onnxruntime-node engine: 1 worker\(s\) up, 2 model\(s\)/);
  });

  it("stores each sample under its derived key; its URL returns the same valid PNG", async () => {
    const res = await post({ model: "tiny-biflow", n: 3, class: "sneaker", seed: 1000, guidance: 1.5 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { seed: number; samples: Sample[] };
    expect(body.seed).toBe(1000);
    const keys = await bucketKeys();
    for (const s of body.samples) {
      expect(s.key).toBe(`samples/v1/tiny-biflow/0.0.1-fixture/7/g1.50/${s.seed}.png`);
      expect(keys).toContain(s.key);
      const stored = await objectBytes(s.key);
      // Valid PNG bytes in the bucket (no aws-chunked framing around them).
      const png = await decodePng(stored);
      expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: s.key }));
      expect(head.ContentType).toBe("image/png");
      expect(head.CacheControl).toBe("public, max-age=31536000, immutable");

      const get = await fetch(s.url);
      expect(get.status).toBe(200);
      expect(get.headers.get("content-type")).toBe("image/png");
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(stored);
    }
  });

  it("serves a second request without calling the sampler", async () => {
    const first = (await (await post({ model: "tiny-biflow", n: 2, seed: 2000 })).json()) as { samples: Sample[] };
    expect(first.samples.map((s) => s.source)).toEqual(["computed", "computed"]);
    const before = await samplerCalls();
    const second = (await (await post({ model: "tiny-biflow", n: 2, seed: 2000 })).json()) as { samples: Sample[] };
    expect(second.samples.map((s) => s.source)).toEqual(["cache", "cache"]);
    const url = first.samples[0]?.url ?? "";
    const get = await fetch(url);
    expect(get.headers.get("x-sample-source")).toBe("cache");
    await get.arrayBuffer();
    expect(await samplerCalls()).toBe(before);
  });

  it("answers If-None-Match with 304", async () => {
    const url = `${routerUrl}/v1/samples/tiny-biflow@0.0.1-fixture/bag/77.png?guidance=2.00`;
    const first = await fetch(url);
    const etag = first.headers.get("etag") ?? "";
    await first.arrayBuffer();
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    // The ETag travels with the object, so a router with a cold cache answers 304 from a HEAD.
    const key = first.headers.get("x-sample-key") ?? "";
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(`"${head.Metadata?.etag ?? ""}"`).toBe(etag);
    const second = await fetch(url, { headers: { "if-none-match": etag } });
    expect(second.status).toBe(304);
    expect(second.headers.get("etag")).toBe(etag);
  });

  it("encodes a sample it generated: POST /v1/encode gives its bits/dim", async () => {
    // An unversioned URL: fetch follows its redirect to the canonical one.
    const image = await fetch(`${routerUrl}/v1/samples/tiny-biflow/dress/8.png`);
    expect(image.redirected).toBe(true);
    expect(image.url).toBe(`${routerUrl}/v1/samples/tiny-biflow@0.0.1-fixture/dress/8.png?guidance=1.00`);
    const png = new Uint8Array(await image.arrayBuffer());
    const res = await fetch(`${routerUrl}/v1/encode?model=tiny-biflow&class=dress`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: png,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { class: number; bits_per_dim: number; log_likelihood_nats: number };
    expect(body.class).toBe(3);
    expect(Number.isFinite(body.bits_per_dim)).toBe(true);
    expect(Number.isFinite(body.log_likelihood_nats)).toBe(true);
  });

  it("stores nothing and computes nothing for bad requests", async () => {
    const keysBefore = await bucketKeys();
    const callsBefore = await samplerCalls();
    const bad: [unknown, number][] = [
      [{ model: "tiny-biflow", n: 0 }, 400],
      [{ model: "tiny-biflow", n: 1, class: "hat" }, 400],
      [{ model: "tiny-biflow", n: 1, guidance: 99 }, 400],
      [{ model: "tiny-biflow", n: 1, seed: -1 }, 400],
      [{ model: "nope", n: 1 }, 404],
    ];
    for (const [body, status] of bad) {
      const res = await post(body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { type: string } }).error.type).toMatch(/invalid_request|model_not_found/);
    }
    const get = await fetch(`${routerUrl}/v1/samples/tiny-biflow/0/99999999999.png`);
    expect(get.status).toBe(400);
    await get.arrayBuffer();
    expect(await bucketKeys()).toEqual(keysBefore);
    expect(await samplerCalls()).toBe(callsBefore);
  });
});
