// One keep-alive HTTP/1.1 client (node:http, a single socket at a time) for the fuzz and
// fault suites: sends paths exactly as written, chunked bodies on request, and counts the
// connections it had to open and the requests that failed below HTTP.

import { Agent, request } from "node:http";

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Sent without Content-Length, in chunks of this many bytes. */
  chunkBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** Sockets opened: 1 plus one per connection the server closed (after `Connection: close`). */
  connections = 0;
  private readonly seen = new WeakSet<object>();

  constructor(private readonly origin: string) {
    const url = new URL(origin);
    if (url.protocol !== "http:") throw new Error("plain http only");
  }

  send(req: RawRequest): Promise<RawResponse> {
    const url = new URL(this.origin);
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined && req.chunkBytes === undefined) headers["content-length"] = String(req.body.length);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on("error", reject);
        },
      );
      outgoing.on("socket", (socket) => {
        if (this.seen.has(socket)) return;
        this.seen.add(socket);
        this.connections += 1;
      });
      outgoing.on("error", reject);
      const { body, chunkBytes } = req;
      if (body !== undefined && chunkBytes !== undefined) {
        for (let at = 0; at < body.length; at += chunkBytes) outgoing.write(body.subarray(at, at + chunkBytes));
      } else if (body !== undefined) {
        outgoing.write(body);
      }
      outgoing.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
