// The data-to-noise calls the Encode tab makes: POST /v1/encode (bits/dim, per class) and
// POST /v1/reconstruct, each with a PNG body; errors carry the service's message.

import { fromBase64 } from "../src/bytes.js";

export interface Encoding {
  bits_per_dim: number;
  log_likelihood_nats: number;
}

export interface Reconstruction {
  psnr_db: number;
  png: Uint8Array;
}

async function post(path: string, png: Uint8Array<ArrayBuffer>): Promise<Record<string, unknown>> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "image/png" }, body: png });
  const body: unknown = await res.json().catch(() => undefined);
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (!res.ok) {
    const error = record.error as { message?: unknown } | undefined;
    throw new Error(typeof error?.message === "string" ? error.message : `HTTP ${res.status}`);
  }
  return record;
}

export async function encode(model: string, classSlug: string | null, png: Uint8Array<ArrayBuffer>): Promise<Encoding> {
  const query = new URLSearchParams({ model, ...(classSlug === null ? {} : { class: classSlug }) });
  const body = await post(`/v1/encode?${query}`, png);
  if (typeof body.bits_per_dim !== "number" || typeof body.log_likelihood_nats !== "number") {
    throw new Error("POST /v1/encode answered without bits_per_dim");
  }
  return { bits_per_dim: body.bits_per_dim, log_likelihood_nats: body.log_likelihood_nats };
}

export async function reconstruct(model: string, png: Uint8Array<ArrayBuffer>): Promise<Reconstruction> {
  const body = await post(`/v1/reconstruct?${new URLSearchParams({ model })}`, png);
  if (typeof body.psnr_db !== "number" || typeof body.png_base64 !== "string") {
    throw new Error("POST /v1/reconstruct answered without a reconstruction");
  }
  return { psnr_db: body.psnr_db, png: fromBase64(body.png_base64) };
}

/** Class posteriors p(c|x) from log p(x|c) under a uniform prior (softmax, max-shifted). */
export function posteriors(logLikelihoods: readonly number[]): number[] {
  const top = Math.max(...logLikelihoods);
  const weights = logLikelihoods.map((l) => Math.exp(l - top));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}
