// Signed webhooks after the Standard Webhooks specification (standardwebhooks.com):
// headers webhook-id, webhook-timestamp (Unix seconds) and webhook-signature =
// "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), where the key is the
// base64 text after "whsec_" in the job's secret. Delivered with retries and backoff.

import { fromBase64, toBase64 } from "../bytes.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { isInternalHost } from "./webhook-address.js";

export const WEBHOOK_SECRET_PREFIX = "whsec_";

export interface WebhookMessage {
  /** Stable per job and event, so a receiver can drop a redelivery. */
  id: string;
  /** e.g. job.succeeded */
  type: string;
  data: unknown;
}

export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new RangeError("webhook secrets start with whsec_");
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64(secret.slice(WEBHOOK_SECRET_PREFIX.length)).slice(),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

export interface WebhookDeps {
  fetch: typeof fetch;
  clock: Clock;
  logger: Logger;
  /** Pauses between attempts (fake timers in tests). */
  wait: (ms: number) => Promise<void>;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  allowPrivate: boolean;
  /** The addresses a host name resolves to, where the runtime can tell (Node); else undefined. */
  resolve?: (host: string) => Promise<string[]>;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  lastStatus: number | null;
}

/** A 2xx is success; 4xx other than 408 and 429 is final (the receiver refuses); all else retries. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

async function refusedAddress(url: URL, deps: WebhookDeps): Promise<boolean> {
  if (deps.allowPrivate) return false;
  if (isInternalHost(url.hostname)) return true;
  const addresses = (await deps.resolve?.(url.hostname)) ?? [];
  return addresses.some((a) => isInternalHost(a.includes(":") ? `[${a}]` : a));
}

export async function deliverWebhook(
  url: string,
  secret: string,
  message: WebhookMessage,
  deps: WebhookDeps,
): Promise<DeliveryResult> {
  const target = new URL(url);
  const body = JSON.stringify({
    type: message.type,
    timestamp: new Date(deps.clock.now()).toISOString(),
    data: message.data,
  });
  let lastStatus: number | null = null;
  for (let attempt = 1; attempt <= deps.attempts; attempt++) {
    if (attempt > 1) await deps.wait(deps.backoffMs * 2 ** (attempt - 2));
    if (await refusedAddress(target, deps)) {
      deps.logger.warn("webhook refused: private address", { id: message.id });
      return { delivered: false, attempts: attempt - 1, lastStatus };
    }
    const timestamp = Math.floor(deps.clock.now() / 1000);
    try {
      const response = await deps.fetch(target, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(deps.timeoutMs),
        headers: {
          "content-type": "application/json",
          "user-agent": "biflow-edge-webhooks",
          "webhook-id": message.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": await signWebhook(secret, message.id, timestamp, body),
        },
        body,
      });
      lastStatus = response.status;
      await response.body?.cancel();
      if (response.ok) return { delivered: true, attempts: attempt, lastStatus };
      if (!retryable(response.status)) return { delivered: false, attempts: attempt, lastStatus };
    } catch (err) {
      deps.logger.warn("webhook attempt failed", { id: message.id, attempt, error: err });
    }
  }
  return { delivered: false, attempts: deps.attempts, lastStatus };
}
