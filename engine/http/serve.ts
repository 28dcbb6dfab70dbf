// Serves a fetch handler on Node for both entries (router and GPU backend) with the HTTP
// hygiene a public endpoint needs: header, request and keep-alive timeouts, an explicit
// `Connection: close` on any response sent before the request body was fully received, and
// operations requests answered ahead of a flood (turns.ts).

import { serve, type Http2Bindings, type HttpBindings, type ServerType } from "@hono/node-server";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { ConfigReader } from "../../src/config/reader.js";
import { inTurns, OPERATIONS_PATHS } from "./turns.js";

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

/** Most unread body bytes discarded before an early response (see closeIfBodyUnread). */
const LINGER_MAX_BYTES = 32 * 1024 * 1024;
/** Longest wait for the rest of a body before an early response goes out regardless. */
const LINGER_MAX_MS = 1_000;

/**
 * Reads and discards what is left of a request body, up to a byte and time bound, and tells
 * whether the body then arrived whole. It reads through the request's own stream: the Node
 * adapter pauses the socket while that stream's queue is full, so reading beside it stalls.
 * A body the handler still holds a reader on is left alone (false).
 */
async function discardRestOfBody(request: Request): Promise<boolean> {
  const body = request.body;
  if (body === null) return true;
  if (body.locked) return false;
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), LINGER_MAX_MS)));
  try {
    for (let discarded = 0; discarded <= LINGER_MAX_BYTES;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === "timeout") return false;
      if (next.done) return true;
      discarded += next.value.length;
    }
    return false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    // Not cancel(): that destroys the socket before the response is written.
    try {
      reader.releaseLock();
    } catch {
      // a read still pending; the socket is closed after the response anyway
    }
  }
}

/**
 * A response sent while the request body is still arriving (an early 413, a 401 before
 * reading) leaves unread bytes on the socket. Closing a socket with unread input makes the
 * kernel answer with a reset, which can destroy the response before the client reads it
 * (seen: `write EPIPE` on 20 MB uploads, 14 of 20). So the rest of the body is discarded
 * first, within bounds, as web servers' "lingering close" does; if it arrived whole the
 * connection stays usable, else the response says `Connection: close` (RFC 9112 section 9.6)
 * so a keep-alive client never sends its next request on the dying socket.
 */
export function closeIfBodyUnread(handler: FetchHandler): FetchHandler {
  return async (request, env) => {
    const response = await handler(request, env);
    if (env.incoming.complete) return response;
    if (await discardRestOfBody(request)) return response;
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

export interface ServeOptions {
  fetch: FetchHandler;
  /** Request targets answered from memory, which skip the queue under load (engine/http/turns.ts). */
  answersFromMemory?: (target: string) => boolean;
  /** Answers held in memory, written without the fetch handler (engine/http/turns.ts). */
  answerHeld?: (request: IncomingMessage, response: ServerResponse) => boolean;
  port: number;
  host: string;
  timeouts: HttpTimeouts;
}

/** Operations requests first; other handlers in slices of this length under load (engine/http/turns.ts). */
const TURN_SLICE_MS = 5;

export function serveHttp(options: ServeOptions, onListening: (info: AddressInfo) => void): ServerType {
  const server = serve(
    {
      fetch: closeIfBodyUnread(options.fetch),
      port: options.port,
      hostname: options.host,
      createServer: ((serverOptions: ServerOptions, listener: RequestListener) =>
        createServer(
          serverOptions,
          inTurns(listener, {
            sliceMs: TURN_SLICE_MS,
            urgentPaths: OPERATIONS_PATHS,
            ...(options.answersFromMemory === undefined ? {} : { answersFromMemory: options.answersFromMemory }),
            ...(options.answerHeld === undefined ? {} : { answerHeld: options.answerHeld }),
          }),
        )) as typeof createServer,
    },
    onListening,
  );
  if ("headersTimeout" in server) {
    server.headersTimeout = options.timeouts.headersMs;
    server.requestTimeout = options.timeouts.requestMs;
    server.keepAliveTimeout = options.timeouts.keepAliveMs;
  }
  return server;
}
