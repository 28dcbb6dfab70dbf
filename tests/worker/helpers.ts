// Calls into the real Worker entry inside workerd with the bindings of wrangler.toml, and
// waits for its ctx.waitUntil work (the deferred Cache API writes) before returning.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../workers/index.js";
import { bundledModels } from "../../workers/models.generated.js";

export const ORIGIN = "http://biflow.test";

export async function call(path: string, init?: RequestInit<RequestInitCfProperties>): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ORIGIN}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** The value of one Prometheus series from /metrics (0 when absent). */
export async function metric(series: string): Promise<number> {
  const text = await (await call("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

export function samplerCalls(model: string): Promise<number> {
  return metric(`biflow_sampler_calls_total{sampler="wasm",model="${model}",outcome="ok"}`);
}

export interface BundledManifest {
  id: string;
  version: string;
  image: { channels: number; height: number; width: number };
  classes: string[];
}

/** The manifests the Worker bundles (what wrangler deploys). */
export function bundledManifests(): BundledManifest[] {
  return bundledModels.map((m) => m.manifest as BundledManifest);
}

/** The trained model the product ships: the Worker must sample it (issue 5). */
export const SHIPPED_MODEL = "fmnist-biflow-s";

export function shippedManifest(): BundledManifest {
  const found = bundledManifests().find((m) => m.id === SHIPPED_MODEL);
  if (found === undefined)
    throw new Error(`${SHIPPED_MODEL} is not in workers/models.generated.ts: run npm run models:sync`);
  return found;
}

export function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
