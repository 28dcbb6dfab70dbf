// Helpers for talking to a GPU backend the way the router does: contract-1 bodies, signed
// requests (optionally with a skewed clock or another secret), and the backend process.

import type { GenerateRequest } from "../../src/contract/backend-v1.js";
import { importSigningKey, signRequest } from "../../src/contract/signing.js";
import { startProcess, type Running } from "./processes.js";

export const BACKEND_SECRET = "integration-backend-secret-0123456789";

export function generateBody(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    contract: 1,
    model: "tiny-biflow",
    version: "0.0.1-fixture",
    class: 7,
    guidance: 1.5,
    seeds: [1, 2],
    output: "inline",
    timeout_ms: 30_000,
    ...overrides,
  };
}

export interface SignOptions {
  secret?: string;
  /** The signer's clock, to make stale requests. */
  nowMs?: number;
  path?: string;
}

/** Imported once per secret, as the router does: key import is not part of a request's cost. */
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    key = importSigningKey(secret);
    keys.set(secret, key);
  }
  return key;
}

/** A signed POST init for `path` (default /v1/generate); the body is sent as these exact bytes. */
export async function signedInit(body: unknown, options: SignOptions = {}): Promise<RequestInit> {
  const bytes = new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body));
  const key = await keyFor(options.secret ?? BACKEND_SECRET);
  const headers = await signRequest(
    key,
    { method: "POST", path: options.path ?? "/v1/generate", body: bytes },
    options.nowMs ?? Date.now(),
  );
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: bytes };
}

/** The value of one series in a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The backend exactly as `npm run backend` runs it, on a free loopback port. */
export async function startBackend(env: NodeJS.ProcessEnv): Promise<Running & { url: string }> {
  const running = await startProcess(process.execPath, ["--import", "tsx", "gpu-backend/src/main.ts"], {
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      BACKEND_SECRET,
      EXECUTION_PROVIDERS: "cpu",
      WORKERS: "1",
      INTRA_OP_THREADS: "1",
      ...env,
    },
    ready: /"message":"listening","url":"(http:\/\/[^"]+)"/,
    name: "backend",
  });
  return { ...running, url: running.match[1] ?? "" };
}
