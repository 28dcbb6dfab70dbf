// The client address on Node: the socket's peer, or, when that peer is one of
// TRUSTED_PROXIES, the client its X-Forwarded-For names (src/middleware/client-ip/).

import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { IncomingMessage } from "node:http";
import { forwardedClient, parseTrustedProxies } from "../src/middleware/client-ip/index.js";

/** The client of a request from `peer` that carried `forwardedFor` (its X-Forwarded-For). */
function clientOf(
  trustedProxies: readonly string[],
): (peer: string | undefined, forwardedFor: string | undefined) => string | undefined {
  const proxies = parseTrustedProxies(trustedProxies);
  return (peer, forwardedFor) => (proxies.length === 0 ? peer : forwardedClient(peer, forwardedFor, proxies));
}

export function nodeClientAddress(trustedProxies: readonly string[]): (c: Context) => string | undefined {
  const client = clientOf(trustedProxies);
  return (c) => {
    // app.request() in tests has no socket: no address.
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      peer = undefined;
    }
    return client(peer, c.req.header("x-forwarded-for"));
  };
}

/** The same for a request the server answers without the app (node/held-answers.ts). */
export function incomingClientAddress(
  trustedProxies: readonly string[],
): (request: IncomingMessage) => string | undefined {
  const client = clientOf(trustedProxies);
  return (request) => {
    const forwarded = request.headers["x-forwarded-for"];
    return client(request.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(", ") : forwarded);
  };
}
