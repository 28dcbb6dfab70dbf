// Job webhooks from a real router process to a loopback receiver (WEBHOOK_ALLOW_PRIVATE):
// one event per terminal state, the same webhook-id on the retry after a 500, and a
// signature checked here from the Standard Webhooks specification with node:crypto
// (HMAC-SHA256 over "{id}.{timestamp}.{body}" keyed by the base64 after "whsec_").

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_MODELS_DIR } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

let receiver: Server;
let hookUrl = "";
const deliveries: Delivery[] = [];
/** Status codes the receiver answers, in turn; then 204. */
const answers: number[] = [];
let router: Running & { url: string };
let dataDir = "";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const answered = answers.shift() ?? 204;
      deliveries.push({ headers: req.headers, body, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-hooks-"));
  router = await startRouter({
    MODELS_DIR: FIXTURE_MODELS_DIR,
    DATA_DIR: dataDir,
    JOBS_POLL_MS: "50",
    JOBS_CHUNK_SIZE: "16",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_BACKOFF_MS: "100",
  });
});

afterAll(async () => {
  await router.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

/** Verification straight from the spec, sharing no code with the service's signer. */
function verify(secret: string, d: Delivery): boolean {
  const id = String(d.headers["webhook-id"]);
  const timestamp = String(d.headers["webhook-timestamp"]);
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${d.body}`).digest();
  return String(d.headers["webhook-signature"])
    .split(" ")
    .some((sig) => {
      const [version, value = ""] = sig.split(",");
      const given = Buffer.from(value, "base64");
      return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

async function post(body: unknown): Promise<{ id: string; webhook_secret: string }> {
  const res = await fetch(`${router.url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; webhook_secret: string };
}

async function deliveriesFor(id: string, count: number): Promise<Delivery[]> {
  for (;;) {
    const mine = deliveries.filter((d) => String(d.headers["webhook-id"]).startsWith(id));
    if (mine.length >= count) return mine;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("job webhooks", () => {
  it("arrive once per event, signed, and are retried after a 500 with the same id", async () => {
    answers.push(500);
    const job = await post({ model: "tiny-biflow", count: 100, class: "Bag", webhook_url: hookUrl });
    const [first, second] = await deliveriesFor(job.id, 2);
    expect(first?.answered).toBe(500);
    expect(second?.answered).toBe(204);
    for (const d of [first, second]) {
      if (d === undefined) throw new Error("missing delivery");
      expect(d.headers["webhook-id"]).toBe(`${job.id}.job.succeeded`);
      expect(Math.abs(Number(d.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
      expect(verify(job.webhook_secret, d)).toBe(true);
      // A signature under another secret does not verify: the check can fail.
      expect(verify("whsec_" + Buffer.alloc(24, 7).toString("base64"), d)).toBe(false);
      const body = JSON.parse(d.body) as { type: string; data: { id: string; state: string; images_done: number } };
      expect(body).toMatchObject({ type: "job.succeeded", data: { id: job.id, state: "succeeded", images_done: 100 } });
    }
    // Succeeded and delivered: no further delivery for this job.
    const status = (await (await fetch(`${router.url}/v1/jobs/${job.id}`)).json()) as { state: string };
    expect(status.state).toBe("succeeded");
    const again = await post({ model: "tiny-biflow", count: 10, class: "Bag", webhook_url: hookUrl });
    await deliveriesFor(again.id, 1);
    expect(deliveries.filter((d) => String(d.headers["webhook-id"]).startsWith(job.id))).toHaveLength(2);
  }, 60_000);

  it("reports a cancellation once", async () => {
    const job = await post({ model: "tiny-biflow", count: 200_000, classes: "all", webhook_url: hookUrl });
    const res = await fetch(`${router.url}/v1/jobs/${job.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    const [d] = await deliveriesFor(job.id, 1);
    if (d === undefined) throw new Error("missing delivery");
    expect(d.headers["webhook-id"]).toBe(`${job.id}.job.cancelled`);
    expect(verify(job.webhook_secret, d)).toBe(true);
    const body = JSON.parse(d.body) as { data: { state: string; images_done: number } };
    expect(body.data.state).toBe("cancelled");
    expect(body.data.images_done).toBeLessThan(200_000);
    const status = (await (await fetch(`${router.url}/v1/jobs/${job.id}`)).json()) as { state: string };
    expect(status.state).toBe("cancelled");
  }, 60_000);
});
