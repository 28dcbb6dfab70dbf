// The jobs API over the app (in-memory store, fake sampler, runner stepped by hand):
// validation naming each parameter, 202 with id, URL and the webhook secret once, status
// progress, results, stored images found rather than recomputed, cancel, ownership by API
// key, fair share between owners, image budgets that pace rather than refuse, the lease.

import { describe, expect, it } from "vitest";
import { jobKeys } from "../../../src/jobs/layout.js";
import { sampleKey } from "../../../src/keys.js";
import { BASE, jobBench, ManualClock } from "./helpers.js";
import { postJson } from "../../helpers/fixtures.js";
import type { JobStatus } from "../../../src/jobs/status.js";

const KEY_A = "key-a-0123456789abcdef";
const KEY_B = "key-b-0123456789abcdef";
async function digest(key: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(key).digest("hex");
}

async function json<T = JobStatus>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

describe("POST /v1/jobs validation", () => {
  const cases: [unknown, string][] = [
    [{ model: "tiny-biflow" }, "count"],
    [{ model: "tiny-biflow", count: 10, seeds: { from: 0, to: 1 } }, "count"],
    [{ model: "tiny-biflow", seeds: { from: 5, to: 4 } }, "seeds.to"],
    [{ model: "tiny-biflow", seeds: { from: 0, to: 4 }, seed: 3 }, "seed"],
    [{ model: "tiny-biflow", count: 0 }, "count"],
    [{ model: "tiny-biflow", count: 10, seed: -1 }, "seed"],
    [{ model: "tiny-biflow", count: 10, guidance: 99 }, "guidance"],
    [{ model: "tiny-biflow", count: 10, class: "Sneaker", classes: "all" }, "classes"],
    [{ model: "tiny-biflow", count: 10, classes: ["Sneaker", "nope"] }, "classes.1"],
    [{ model: "tiny-biflow", count: 10, classes: [7, "Sneaker"] }, "classes"],
    [{ model: "tiny-biflow", count: 10, version: "9.9.9" }, "version"],
    [{ model: "tiny-biflow", count: 10, sampler: "bogus" }, "sampler"],
    [{ model: "tiny-biflow", count: 10, webhook_url: "ftp://example.com/x" }, "webhook_url"],
    [{ model: "tiny-biflow", count: 10, webhook_url: "http://127.0.0.1:9/x" }, "webhook_url"],
    [{ model: "tiny-biflow", count: 10, webhook_url: "http://[::1]/x" }, "webhook_url"],
    [{ model: "tiny-biflow", count: 10, webhook_url: "https://10.1.2.3/x" }, "webhook_url"],
    [{ model: "tiny-biflow", count: 10, webhook_url: "https://localhost/x" }, "webhook_url"],
    [{ model: "tiny-biflow", count: 10, outputs: ["zip"] }, "outputs.0"],
    [{ model: "tiny-biflow", count: 9, classes: "all" }, "count"],
    [{ model: "tiny-biflow", count: 10, extra: 1 }, "extra"],
  ];
  it.each(cases)("refuses %j naming %s", async (body, param) => {
    const t = await jobBench({ JOBS_MAX_IMAGES: "100" });
    const res = await t.post(body);
    expect(res.status).toBe(400);
    expect((await json<{ error: { param: string } }>(res)).error.param).toBe(param);
  });

  // The same rule() as POST /v1/samples (src/schema-rules.ts): the message names the
  // parameter, its bounds and what was sent (the jobs schema's own copy said no "got").
  it.each([
    [
      { model: "tiny-biflow", count: 0 },
      "count must be a positive integer (images in total, spread evenly over the classes); got 0",
    ],
    [{ model: "tiny-biflow", count: 10, seed: -1 }, `seed must be an integer from 0 to 4294967295 (uint32); got -1`],
    [{ model: "tiny-biflow", count: 10, outputs: ["zip"] }, `outputs must be a list of "tar" and "npz"; got "zip"`],
    [{ model: "tiny-biflow", count: 10, tolerance: "x" }, `tolerance must be a number in (0, 1]; got "x"`],
  ])("says what %j sent", async (body, message) => {
    const t = await jobBench({ JOBS_MAX_IMAGES: "100" });
    const res = await t.post(body);
    expect(res.status).toBe(400);
    expect((await json<{ error: { message: string } }>(res)).error.message).toBe(message);
  });

  it("refuses jobs over JOBS_MAX_IMAGES, counting classes x seeds", async () => {
    const t = await jobBench({ JOBS_MAX_IMAGES: "100" });
    const res = await t.post({ model: "tiny-biflow", classes: [0, 1, 2], seeds: { from: 0, to: 33 } });
    expect(res.status).toBe(400);
    expect((await json<{ error: { message: string } }>(res)).error.message).toContain("102");
    expect((await t.post({ model: "nope", count: 1 })).status).toBe(404);
  });
});

describe("a job's life", () => {
  it("answers 202 with id, URL and secret once, runs chunk by chunk and lists a manifest", async () => {
    const t = await jobBench({ WEBHOOK_ALLOW_PRIVATE: "false" });
    const res = await t.post({
      model: "tiny-biflow",
      classes: ["Sneaker", null],
      count: 20,
      seed: 4294967290,
      webhook_url: "https://hooks.example.com/x",
    });
    expect(res.status).toBe(202);
    const created = await json<JobStatus & { webhook_secret: string }>(res);
    expect(created.id).toMatch(/^job_[0-9a-f]{24}$/);
    expect(res.headers.get("location")).toBe(`${BASE}/v1/jobs/${created.id}`);
    expect(created).toMatchObject({ state: "queued", images_total: 20, images_done: 0, count: 20, seed: 4294967290 });
    expect(created.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const status = await json(t.get(`/v1/jobs/${created.id}`));
    expect(status).not.toHaveProperty("webhook_secret");
    // The hook goes to a host that does not exist: delivery fails and is retried, not fatal.
    await t.drain();
    const done = await json(t.get(`/v1/jobs/${created.id}`));
    expect(done).toMatchObject({
      state: "succeeded",
      images_done: 20,
      images_computed: 20,
      manifest_url: `${BASE}/v1/jobs/${created.id}/manifest`,
    });
    // 10 per class in chunks of 8: 8 + 2 per class.
    expect(t.sampler.batches.map((b) => [b.classInput, b.seeds.length])).toEqual([
      [7, 8],
      [7, 2],
      [10, 8],
      [10, 2],
    ]);
    const lines = (await (await t.get(`/v1/jobs/${created.id}/manifest`)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { key: string; url: string; class: number | null; seed: number; index: number });
    expect(lines).toHaveLength(20);
    expect(lines[0]).toEqual({
      index: 0,
      key: sampleKey({
        modelId: "tiny-biflow",
        version: "0.0.1-fixture",
        classIndex: 7,
        seed: 4294967290,
        guidance: 1,
      }),
      url: `${BASE}/v1/samples/tiny-biflow@0.0.1-fixture/sneaker/4294967290.png?guidance=1.00`,
      class: 7,
      seed: 4294967290,
    });
    expect(lines[19]).toMatchObject({ index: 19, class: null, seed: (4294967290 + 19) % 2 ** 32 });
    for (const line of lines) expect(await t.store.head(line.key)).toBeDefined();
    const png = await t.app.request(lines[19]?.url ?? "");
    expect(png.status).toBe(200);
    // Asked for no archive: none is offered.
    expect((await t.get(`/v1/jobs/${created.id}/archive.tar`)).status).toBe(404);
  });

  it("finds images already stored instead of computing them again", async () => {
    const t = await jobBench();
    await postJson(t.app, `${BASE}/v1/samples`, { model: "tiny-biflow", n: 5, seed: 100, class: 2 });
    const created = await json(t.post({ model: "tiny-biflow", classes: [2], seeds: { from: 98, to: 107 } }));
    await t.drain();
    const seeds = t.sampler.batches.slice(1).flatMap((b) => b.seeds);
    expect(seeds.sort((a, b) => a - b)).toEqual([98, 99, 105, 106, 107]);
    expect(await json(t.get(`/v1/jobs/${created.id}`))).toMatchObject({
      state: "succeeded",
      images_done: 10,
      images_computed: 5,
    });
  });

  it("cancel stops new work and keeps finished images", async () => {
    const t = await jobBench();
    const { id } = await json(t.post({ model: "tiny-biflow", count: 80, classes: [1] }));
    for (let i = 0; i < 4; i++) {
      t.clock.advance(20);
      await t.runner.step();
    }
    const before = t.sampler.calls;
    expect(before).toBeGreaterThan(0);
    const cancelled = await json(t.del(`/v1/jobs/${id}`));
    expect(cancelled.state).toBe("cancelled");
    await t.drain();
    expect(t.sampler.calls).toBe(before);
    const status = await json(t.get(`/v1/jobs/${id}`));
    expect(status).toMatchObject({ state: "cancelled", images_done: before * 8, manifest_url: null });
    expect(status.finished_at).not.toBeNull();
    // Finished images stay.
    const stored = t.store.keys().filter((k) => k.startsWith("samples/"));
    expect(stored).toHaveLength(before * 8);
    // A second DELETE changes nothing.
    expect((await json(t.del(`/v1/jobs/${id}`))).state).toBe("cancelled");
  });

  it("belongs to the API key that made it; others get 404; lists per key", async () => {
    const t = await jobBench({ API_KEYS: `${await digest(KEY_A)},${await digest(KEY_B)}` });
    expect((await t.post({ model: "tiny-biflow", count: 1 })).status).toBe(401);
    const a = { authorization: `Bearer ${KEY_A}` };
    const b = { authorization: `Bearer ${KEY_B}` };
    const { id } = await json(t.post({ model: "tiny-biflow", count: 4 }, a));
    await json(t.post({ model: "tiny-biflow", count: 2 }, a));
    expect((await t.get(`/v1/jobs/${id}`)).status).toBe(401);
    expect((await t.get(`/v1/jobs/${id}`, b)).status).toBe(404);
    expect((await t.del(`/v1/jobs/${id}`, b)).status).toBe(404);
    expect((await t.get(`/v1/jobs/${id}`, a)).status).toBe(200);
    const listA = await json<{ data: JobStatus[] }>(t.get("/v1/jobs", a));
    expect(listA.data.map((j) => j.images_total)).toEqual([2, 4]);
    expect((await json<{ data: JobStatus[] }>(t.get("/v1/jobs", b))).data).toEqual([]);
  });

  it("shares the router fairly between owners, whatever their number of jobs", async () => {
    const t = await jobBench({ API_KEYS: `${await digest(KEY_A)},${await digest(KEY_B)}` });
    const a = { authorization: `Bearer ${KEY_A}` };
    const b = { authorization: `Bearer ${KEY_B}` };
    await t.post({ model: "tiny-biflow", count: 40, classes: [1] }, a);
    await t.post({ model: "tiny-biflow", count: 40, classes: [2] }, a);
    await t.post({ model: "tiny-biflow", count: 40, classes: [3] }, b);
    for (let i = 0; i < 8; i++) {
      t.clock.advance(20);
      await t.runner.step();
    }
    const classes = t.sampler.batches.map((x) => x.classInput);
    // Owner B (class 3) gets every other chunk; A's two jobs share the rest.
    expect(classes.filter((c) => c === 3)).toHaveLength(4);
    expect(classes.filter((c) => c === 1)).toHaveLength(2);
    expect(classes.filter((c) => c === 2)).toHaveLength(2);
  });

  it("is paced, not refused, by the image budget, and the status shows the pace", async () => {
    const t = await jobBench({ RATE_LIMIT_IMAGES_PER_MINUTE: "20" });
    const { id } = await json(t.post({ model: "tiny-biflow", count: 60, classes: [4] }));
    for (let i = 0; i < 20; i++) await t.runner.step();
    // The budget holds 20 images: two chunks of 8, then the third waits (4 charged of 8).
    expect(t.sampler.batches.map((b) => b.seeds.length)).toEqual([8, 8]);
    t.clock.advance(60_000);
    await t.runner.step();
    expect(t.sampler.batches).toHaveLength(3);
    const status = await json(t.get(`/v1/jobs/${id}`));
    expect(status.state).toBe("running");
    expect(status.pace).toEqual({ images_per_minute: 20 });
    // 60 images at 20 a minute: done within three more minutes, never refused.
    for (let minute = 0; minute < 3; minute++) {
      t.clock.advance(60_000);
      await t.drain();
    }
    expect(await json(t.get(`/v1/jobs/${id}`))).toMatchObject({
      state: "succeeded",
      images_done: 60,
      errors: { count: 0 },
    });
  });
});

describe("separate image budgets", () => {
  it("a key's big job spends its own budget, not the one its interactive requests draw on", async () => {
    // One API key for both, so both are the same client to the limiter.
    const t = await jobBench({ RATE_LIMIT_IMAGES_PER_MINUTE: "20", API_KEYS: await digest(KEY_A) });
    const key = { authorization: `Bearer ${KEY_A}` };
    const { id } = await json(t.post({ model: "tiny-biflow", count: 200, classes: [4] }, key));
    for (let i = 0; i < 20; i++) await t.runner.step();
    // The job has taken its 20 for this minute and waits...
    expect(t.sampler.batches.map((b) => b.seeds.length)).toEqual([8, 8]);
    expect((await json(t.get(`/v1/jobs/${id}`, key))).state).toBe("running");
    // ...while the same client's sample requests compute their own 20 a minute.
    for (let seed = 0; seed < 2; seed++) {
      const res = await postJson(
        t.app,
        `${BASE}/v1/samples`,
        { model: "tiny-biflow", n: 8, seed: 1000 + seed * 8 },
        key,
      );
      expect(res.status).toBe(200);
    }
    // Their budget is a budget still: the next 8 would make 24.
    const over = await postJson(t.app, `${BASE}/v1/samples`, { model: "tiny-biflow", n: 8, seed: 2000 }, key);
    expect(over.status).toBe(429);
    // And the interactive images did not slow the job: the next minute it takes 20 again.
    const before = t.sampler.batches.length;
    t.clock.advance(60_000);
    for (let i = 0; i < 20; i++) await t.runner.step();
    const jobBatches = t.sampler.batches.slice(before).filter((b) => b.classInput === 4);
    expect(jobBatches.reduce((n, b) => n + b.seeds.length, 0)).toBeGreaterThanOrEqual(16);
  });
});

describe("the lease", () => {
  it("lets one router work a job at a time, and another take over when it lapses", async () => {
    const clock = new ManualClock();
    const a = await jobBench({ JOBS_LEASE_MS: "10000" }, { clock, holder: "a" });
    const b = await jobBench({ JOBS_LEASE_MS: "10000" }, { clock, holder: "b", shared: a.store });
    const { id } = await json(a.post({ model: "tiny-biflow", count: 40, classes: [5] }));
    await a.runner.step();
    expect(a.sampler.calls).toBe(1);
    for (let i = 0; i < 5; i++) await b.runner.step();
    expect(b.sampler.calls).toBe(0);
    // Router a goes silent; after its lease lapses, b finishes the job from chunk 1.
    clock.advance(10_001);
    await b.drain();
    expect(b.sampler.batches.map((x) => x.seeds[0])).toEqual(
      [1, 2, 3, 4].map((k) => ((a.sampler.batches[0]?.seeds[0] ?? 0) + 8 * k) >>> 0),
    );
    expect(await json(b.get(`/v1/jobs/${id}`))).toMatchObject({
      state: "succeeded",
      images_done: 40,
      images_computed: 40,
    });
    expect(await a.store.head(jobKeys(id).lease(1))).toBeDefined();
  });
});
