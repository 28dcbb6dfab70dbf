// The baseline of the cached-hit comparison: a bare Hono handler on @hono/node-server that
// answers one PNG from memory with the router's headers. Prints its URL when listening.
//
//   node --import tsx scripts/bench/bare-hono.ts FILE.png

import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bareHeaders } from "./bare-headers.js";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: bare-hono.ts FILE.png");
const bytes = new Uint8Array(readFileSync(file));
const app = new Hono();
app.get("*", () => {
  return new Response(bytes, {
    headers: bareHeaders(bytes.length),
  });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
  process.stdout.write(`bare hono listening on http://127.0.0.1:${info.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
