// Batch jobs on the Worker, inside workerd: POST /v1/jobs sends the job's first step to the
// local Cloudflare Queue (miniflare's, declared in wrangler.toml), the Worker's own queue()
// handler takes each step and sends the next, and the job succeeds with results in R2.
// Checked against expectations made here: the (class, seed) of every image from the
// request's rules, the keys from the sample scheme, the PNG bytes from R2 itself, and the
// WASM sampler's own image counter for what was computed.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sampleKey } from "../../src/keys.js";
import { slugify } from "../../src/models/classes.js";
import { untar } from "../helpers/untar.js";
import { call, metric, ORIGIN, postJson, shippedManifest } from "./helpers.js";

const model = shippedManifest();
const CLASSES = model.classes.length;
const PER_CLASS = 4;
const COUNT = CLASSES * PER_CLASS;
const GUIDANCE = 0.5;

interface JobStatus {
  id: string;
  state: string;
  images_total: number;
  images_done: number;
  images_computed: number;
  images_per_second: number | null;
  manifest_url: string | null;
  archive_url: string | null;
  message: string | null;
}

interface ManifestLine {
  index: number;
  key: string;
  url: string;
  class: number;
  seed: number;
}

const wasmImages = () => metric(`biflow_sampler_images_total{sampler="wasm",model="${model.id}"}`);

async function submit(seed: number): Promise<JobStatus> {
  const response = await postJson("/v1/jobs", {
    model: model.id,
    classes: "all",
    count: COUNT,
    seed,
    guidance: GUIDANCE,
    outputs: ["tar"],
  });
  expect(response.status).toBe(202);
  return response.json<JobStatus>();
}

/** Polls the job's status as a client would, until it leaves queued/running. */
async function finished(id: string, limitMs = 50_000): Promise<JobStatus> {
  const until = Date.now() + limitMs;
  for (;;) {
    const status = await (await call(`/v1/jobs/${id}`)).json<JobStatus>();
    if (status.state !== "queued" && status.state !== "running") return status;
    if (Date.now() > until) throw new Error(`job ${id} still ${status.state} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The job's images by the request's rules: class by class, image i with seed seed + i. */
function expectedImages(seed: number): { index: number; classIndex: number; seed: number }[] {
  return Array.from({ length: COUNT }, (_, i) => ({ index: i, classIndex: Math.floor(i / PER_CLASS), seed: seed + i }));
}

describe(`batch jobs through the Worker's Queue (${model.id}, workerd)`, () => {
  it("runs a 40-image job through the local Queue to success; stored images are found, not recomputed", async () => {
    const seed = 7_300_000;
    const expected = expectedImages(seed);
    // Six of the job's images exist before it: class 0's four and class 1's first two.
    expect((await postJson("/v1/samples", { model: model.id, n: 4, class: 0, seed, guidance: GUIDANCE })).status).toBe(
      200,
    );
    expect(
      (await postJson("/v1/samples", { model: model.id, n: 2, class: 1, seed: seed + 4, guidance: GUIDANCE })).status,
    ).toBe(200);

    const before = await wasmImages();
    const accepted = await submit(seed);
    expect(accepted).toMatchObject({ state: "queued", images_total: COUNT, images_done: 0 });
    const status = await finished(accepted.id);
    expect(status).toMatchObject({ state: "succeeded", images_done: COUNT, images_computed: COUNT - 6, message: null });
    console.info(
      `worker queue job: ${COUNT} images (${COUNT - 6} computed), ${status.images_per_second} images/s end to end`,
    );
    // The WASM sampler's own count agrees: only the 34 missing images were computed.
    expect((await wasmImages()) - before).toBe(COUNT - 6);

    // Every step was a queue message of the chain: each took a new lease number under its holder.
    const leases = await env.SAMPLES.list({ prefix: `jobs/v1/${accepted.id}/lease/` });
    expect(leases.objects.length).toBeGreaterThanOrEqual(CLASSES + 1);
    const holders = new Set(
      await Promise.all(
        leases.objects.map(async (o) => (await (await env.SAMPLES.get(o.key))?.json<{ holder: string }>())?.holder),
      ),
    );
    expect([...holders]).toEqual([expect.stringMatching(/^queue:[0-9a-f]{16}$/)]);

    // The manifest lists every image under its sample key, with a URL that serves it.
    expect(status.manifest_url).toBe(`${ORIGIN}/v1/jobs/${accepted.id}/manifest`);
    const manifest = (await (await call(`/v1/jobs/${accepted.id}/manifest`)).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as ManifestLine);
    expect(manifest.map((l) => [l.index, l.class, l.seed])).toEqual(
      expected.map((e) => [e.index, e.classIndex, e.seed]),
    );
    const stored = new Map<string, Uint8Array>();
    for (const line of manifest) {
      const key = sampleKey({
        modelId: model.id,
        version: model.version,
        classIndex: line.class,
        seed: line.seed,
        guidance: GUIDANCE,
      });
      expect(line.key).toBe(key);
      expect(line.url).toBe(
        `${ORIGIN}/v1/samples/${model.id}@${model.version}/${slugify(model.classes[line.class] ?? "")}/${line.seed}.png?guidance=0.50`,
      );
      const object = await env.SAMPLES.get(key);
      if (object === null) throw new Error(`${key} is not in R2`);
      const bytes = new Uint8Array(await object.arrayBuffer());
      stored.set(key, bytes);
      const served = await call(line.url.slice(ORIGIN.length));
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe("image/png");
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    }

    // The archive (an R2 multipart upload) holds exactly those PNGs, in job order.
    const archive = await call(`/v1/jobs/${accepted.id}/archive.tar`);
    expect(archive.status).toBe(200);
    const members = untar(new Uint8Array(await archive.arrayBuffer()));
    expect(members.map((m) => m.name)).toEqual(
      expected.map((e) => `${String(e.index).padStart(7, "0")}_${e.classIndex}_${e.seed}.png`),
    );
    for (const [i, member] of members.entries()) expect(member.data).toEqual(stored.get(manifest[i]?.key ?? ""));

    // The same images again: the second job finds all 40 in R2 and computes none.
    const again = await submit(seed);
    const second = await finished(again.id);
    expect(second).toMatchObject({ state: "succeeded", images_done: COUNT, images_computed: 0 });
    expect((await wasmImages()) - before).toBe(COUNT - 6);
  });

  it("stops a cancelled job at its next step: a cancelled final record, no chunk after it", async () => {
    const accepted = await submit(7_400_000);
    const cancelled = await call(`/v1/jobs/${accepted.id}`, { method: "DELETE" });
    expect((await cancelled.json<JobStatus>()).state).toBe("cancelled");
    const prefix = `jobs/v1/${accepted.id}`;
    const until = Date.now() + 30_000;
    while ((await env.SAMPLES.head(`${prefix}/final.json`)) === null) {
      if (Date.now() > until) throw new Error("the cancelled job's chain wrote no final record");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const final = await (await env.SAMPLES.get(`${prefix}/final.json`))?.json<{ state: string; imagesDone: number }>();
    expect(final?.state).toBe("cancelled");
    // The chain ended: no chunk is recorded beyond what the final record counts, even later.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const chunks = (await env.SAMPLES.list({ prefix: `${prefix}/chunks/` })).objects.length;
    expect(chunks * PER_CLASS).toBe(final?.imagesDone);
    expect(chunks).toBeLessThan(CLASSES);
    expect((await finished(accepted.id)).archive_url).toBeNull();
  });
});
