// Headers added to a response after its handler answered, in place. Hono's c.header() after
// next() (and hono/cors, which creates c.res before the handler) makes Hono rebuild the
// handler's Response; on Node that turns @hono/node-server's lightweight response into a full
// undici Response and copies its headers, about 0.2 ms of the event loop per request,
// measured as a fifth of the router's main thread during an overload burst.

import type { Context } from "hono";

/** Sets (or with `append`, appends) each header on c.res; rebuilds it only if its headers are immutable. */
export function setResponseHeaders(
  c: Context,
  headers: Readonly<Record<string, string>>,
  options: { append?: boolean } = {},
): void {
  const entries = Object.entries(headers);
  try {
    const target = c.res.headers;
    for (const [name, value] of entries) {
      if (options.append === true) target.append(name, value);
      else target.set(name, value);
    }
  } catch (err) {
    // A Response passed through from fetch() or a cache has immutable headers (TypeError):
    // c.header() copies it into a mutable one first.
    if (!(err instanceof TypeError)) throw err;
    for (const [name, value] of entries) c.header(name, value, options.append === true ? { append: true } : undefined);
  }
}
