// The client address on Node: the socket's peer, or, when that peer is one of
// TRUSTED_PROXIES, the client its X-Forwarded-For names (src/middleware/client-ip/).

import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { forwardedClient, parseTrustedProxies } from "../src/middleware/client-ip/index.js";

export function nodeClientAddress(trustedProxies: readonly string[]): (c: Context) => string | undefined {
  const proxies = parseTrustedProxies(trustedProxies);
  return (c) => {
    // app.request() in tests has no socket: no address.
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      peer = undefined;
    }
    return proxies.length === 0 ? peer : forwardedClient(peer, c.req.header("x-forwarded-for"), proxies);
  };
}
