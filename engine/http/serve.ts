// Serves a fetch handler on Node for both entries (router and GPU backend) with the HTTP
// hygiene a public endpoint needs: header, request and keep-alive timeouts, and an explicit
// `Connection: close` on any response sent before the request body was fully received.

import { serve, type Http2Bindings, type HttpBindings, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { ConfigReader } from "../../src/config.js";

export interface HttpTimeouts {
  /** Longest wait for a request's headers (HTTP_HEADERS_TIMEOUT_MS). */
  headersMs: number;
  /** Longest wait for a whole request, headers and body (HTTP_REQUEST_TIMEOUT_MS). */
  requestMs: number;
  /** How long an idle keep-alive connection stays open (HTTP_KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveMs: number;
}

/** Reads the three timeouts; Node's defaults (60 s, 300 s) let slow clients hold sockets. */
export function readHttpTimeouts(reader: ConfigReader): HttpTimeouts {
  const requestMs = reader.int("HTTP_REQUEST_TIMEOUT_MS", 30_000, 1_000, 600_000);
  const headersMs = reader.int("HTTP_HEADERS_TIMEOUT_MS", 10_000, 1_000, 600_000);
  if (headersMs > requestMs) reader.problem("HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS");
  return { headersMs, requestMs, keepAliveMs: reader.int("HTTP_KEEP_ALIVE_TIMEOUT_MS", 5_000, 100, 600_000) };
}

type FetchHandler = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/**
 * A response sent while the request body is still arriving (an early 413, a 401 before
 * reading) leaves unread bytes on the socket, and the server then drops the connection. A
 * keep-alive client that is not told may send its next request on that dying socket, so
 * the response says `Connection: close` (RFC 9112 section 9.6).
 */
export function closeIfBodyUnread(handler: FetchHandler): FetchHandler {
  return async (request, env) => {
    const response = await handler(request, env);
    if (env.incoming.complete) return response;
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

export interface ServeOptions {
  fetch: FetchHandler;
  port: number;
  host: string;
  timeouts: HttpTimeouts;
}

export function serveHttp(options: ServeOptions, onListening: (info: AddressInfo) => void): ServerType {
  const server = serve(
    { fetch: closeIfBodyUnread(options.fetch), port: options.port, hostname: options.host },
    onListening,
  );
  if ("headersTimeout" in server) {
    server.headersTimeout = options.timeouts.headersMs;
    server.requestTimeout = options.timeouts.requestMs;
    server.keepAliveTimeout = options.timeouts.keepAliveMs;
  }
  return server;
}
