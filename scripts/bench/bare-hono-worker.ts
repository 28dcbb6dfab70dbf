// The Worker baseline of the cached-hit comparison (worker-p5.ts): a bare Hono Worker that
// answers one PNG from memory with the router's body headers, as scripts/bench/bare-hono.ts
// does on Node. The PNG arrives base64 in the PNG_BASE64 var (`wrangler dev --var`).

import { Hono } from "hono";
import { bareHeaders } from "./bare-headers.js";

interface BareEnv {
  PNG_BASE64: string;
}

let bytes: Uint8Array<ArrayBuffer> | undefined;
const app = new Hono<{ Bindings: BareEnv }>();
app.get("*", (c) => {
  bytes ??= Uint8Array.from(atob(c.env.PNG_BASE64), (ch) => ch.charCodeAt(0));
  return new Response(bytes, {
    headers: bareHeaders(bytes.length),
  });
});

export default app;
