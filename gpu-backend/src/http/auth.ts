// Verifies the router's signature (src/contract/signing.ts) before anything else runs, in
// the cheapest order: headers and timestamp, then Content-Length, then the body read as a
// stream with a cap (chunked bodies too), then the MAC over its hash, then the replay
// check. Nothing is parsed or queued before the MAC holds; the verified bytes go on.

import type { MiddlewareHandler } from "hono";
import { readAtMost } from "../../../src/bytes.js";
import type { Clock } from "../../../src/clock.js";
import type { ReplayGuard } from "../../../src/contract/replay.js";
import { checkSignatureHeaders, verifyMac } from "../../../src/contract/signing.js";
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
  const tooLarge = () => new ApiError("payload_too_large", `body must be at most ${deps.maxBodyBytes} bytes`);
  const refuse = (reason: string) => {
    deps.onRefused(reason);
    return new ApiError("unauthorized", REASONS[reason] ?? "the request is not authorized");
  };
  return async (c, next) => {
    const now = deps.clock.now();
    const checked = checkSignatureHeaders((name) => c.req.header(name), now);
    if (!checked.ok) throw refuse(checked.reason);
    const declared = c.req.header("content-length");
    if (declared !== undefined && !/^\d{1,15}$/.test(declared.trim())) {
      throw new ApiError("invalid_request", "Content-Length must be a decimal byte count");
    }
    if (declared !== undefined && Number(declared) > deps.maxBodyBytes) throw tooLarge();
    const stream = c.req.raw.body;
    const body = stream === null ? new Uint8Array(0) : await readAtMost(stream, deps.maxBodyBytes);
    if (body === undefined) throw tooLarge();
    const url = new URL(c.req.url);
    const parts = { method: c.req.method, path: url.pathname + url.search, body };
    if (!(await verifyMac(deps.key, parts, checked))) throw refuse("mismatch");
    if (!deps.replay.admit(checked.nonce, now)) throw refuse("replayed");
    c.set("body", body);
    await next();
  };
}
