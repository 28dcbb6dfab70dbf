// The Node server's side of the held cache hits (src/samples/hot-hits.ts): a request for a
// held target is answered straight onto the socket, with one writeHead of a plain header
// object and one end(), as @hono/node-server writes the app's own answer but without the
// Fetch Request, Response and Headers objects in between. Only requests the app would answer
// the same way qualify: GET, no If-None-Match, no body, and a Host the adapter takes as it
// is (it rebuilds the URL, or answers 400, for anything else).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { HotHits } from "../src/samples/hot-hits.js";

/**
 * Host headers @hono/node-server uses verbatim (its reValidHost: a lowercase name, a port of
 * 1000-59999 if any); the others, rare behind a proxy, take the app's path.
 */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Writes the held answer to `request` and returns true, or returns false: the app answers it. */
export function heldAnswers(
  hits: HotHits,
  clientAddress: (request: IncomingMessage) => string | undefined,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const { headers } = request;
    if (
      request.method !== "GET" ||
      headers["if-none-match"] !== undefined ||
      headers["content-length"] !== undefined ||
      headers["transfer-encoding"] !== undefined ||
      !PLAIN_HOST.test(headers.host ?? "")
    ) {
      return false;
    }
    let answer;
    try {
      answer = hits.answer({
        target: request.url ?? "",
        requestIdHeader: headerText(headers["x-request-id"]),
        clientAddress: hits.countsRequests ? clientAddress(request) : undefined,
      });
    } catch {
      // Nothing is written yet: the app answers, and reports whatever went wrong its own way
      // (a throw here would escape the turn queue and end the process).
      return false;
    }
    if (answer === undefined) return false;
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    return true;
  };
}
