// Verifies the router's signature (src/contract/signing.ts) before anything else runs:
// unsigned, wrongly signed, stale or replayed requests get 401 and nothing is parsed or
// computed. The verified body bytes are handed on to the handler.

import type { MiddlewareHandler } from "hono";
import type { Clock } from "../../../src/clock.js";
import type { ReplayGuard } from "../../../src/contract/replay.js";
import { verifyRequest } from "../../../src/contract/signing.js";
import { ApiError } from "../../../src/errors.js";

export interface AuthDeps {
  key: CryptoKey;
  replay: ReplayGuard;
  clock: Clock;
  maxBodyBytes: number;
  onRefused: (reason: string) => void;
}

export type SignedEnv = { Variables: { body: Uint8Array } };

const REASONS: Readonly<Record<string, string>> = {
  missing: "the request is not signed",
  malformed: "the request's signature headers are malformed",
  stale: "the request's timestamp is more than 60 s away from now",
  mismatch: "the request's signature does not match",
  replayed: "the request was already received (replay)",
};

export function requireSignature(deps: AuthDeps): MiddlewareHandler<SignedEnv> {
  return async (c, next) => {
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > deps.maxBodyBytes)
      throw new ApiError("payload_too_large", `body must be at most ${deps.maxBodyBytes} bytes`);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > deps.maxBodyBytes)
      throw new ApiError("payload_too_large", `body must be at most ${deps.maxBodyBytes} bytes`);
    const url = new URL(c.req.url);
    const now = deps.clock.now();
    const verdict = await verifyRequest(
      deps.key,
      { method: c.req.method, path: url.pathname + url.search, body },
      (name) => c.req.header(name),
      now,
    );
    const reason = !verdict.ok ? verdict.reason : deps.replay.admit(verdict.nonce, now) ? undefined : "replayed";
    if (reason !== undefined) {
      deps.onRefused(reason);
      throw new ApiError("unauthorized", REASONS[reason] ?? "the request is not authorized");
    }
    c.set("body", body);
    await next();
  };
}
