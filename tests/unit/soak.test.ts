// The soak's rules (scripts/soak/verdict.ts) on hand-made runs, each breaking one rule, and
// its reading of histograms between two scrapes (scripts/soak/exposition.ts).

import { describe, expect, it } from "vitest";
import { histogramBetween, parseExposition } from "../../scripts/soak/exposition.js";
import { judge, type Outcome, type Reading } from "../../scripts/soak/verdict.js";

/** `perSecond` answered requests a second for `seconds`, each taking `ms(t)`. */
function steady(seconds: number, perSecond: number, ms: (t: number) => number = () => 10): Outcome[] {
  const out: Outcome[] = [];
  for (let i = 0; i < seconds * perSecond; i++) {
    const t = i / perSecond;
    out.push({ t, kind: "cached", status: 200, ms: ms(t), expected: true });
  }
  return out;
}

const MiB = 1024 * 1024;
function flatMemory(seconds: number, rss = 300 * MiB, cacheAt: (t: number) => number = () => 0): Reading[] {
  return Array.from({ length: seconds / 10 + 1 }, (_, i) => ({
    t: i * 10,
    rssBytes: rss + cacheAt(i * 10),
    cacheBytes: cacheAt(i * 10),
  }));
}

const JOB_OK = [{ id: "job_1", state: "succeeded" }];

describe("the soak verdict", () => {
  it("passes a steady run, and a cache that grows (its bytes are not a leak)", () => {
    const v = judge(
      steady(300, 10),
      flatMemory(300, 300 * MiB, (t) => t * 100_000),
      JOB_OK,
      300,
    );
    expect(v.failures).toEqual([]);
    expect(v.passed).toBe(true);
    expect(v.figures.requests).toBe(3000);
    expect(v.figures.rss_less_cache_growth).toBeCloseTo(0, 9);
  });

  it("fails on a single 500 and on a request that failed below HTTP", () => {
    const run = steady(300, 10);
    run[1234] = { t: 123.4, kind: "uncached", status: 500, ms: 5, expected: false };
    expect(judge(run, flatMemory(300), JOB_OK, 300).failures[0]).toMatch(/^1 request\(s\) failed .* uncached -> 500/);
    const reset = steady(300, 10);
    reset[10] = { t: 1, kind: "encode", status: 0, ms: 5, expected: false };
    expect(judge(reset, flatMemory(300), JOB_OK, 300).passed).toBe(false);
  });

  it("allows 503/504 up to 0.1% of requests, not above", () => {
    const shed = (count: number) => {
      const run = steady(300, 10);
      for (let i = 0; i < count; i++)
        run[i * 100] = { t: i * 10, kind: "uncached", status: 503, ms: 1, expected: true };
      return judge(run, flatMemory(300), JOB_OK, 300);
    };
    expect(shed(3).passed).toBe(true); // 3 of 3,000 = 0.1%
    expect(shed(4).failures).toEqual(["503/504 were 0.133% of requests (limit 0.1%)"]);
  });

  it("fails when resident memory less the cache grows by more than 10% after the first minute", () => {
    // 300 s run: windows of 80 s. Floor 300 MiB after the first minute, 333 MiB over the last 80 s: 11%.
    const grown = flatMemory(300).map((r) => (r.t >= 220 ? { ...r, rssBytes: 333 * MiB } : r));
    expect(judge(steady(300, 10), grown, JOB_OK, 300).failures).toEqual([
      "resident memory less cache grew 11.0% after the first minute (lowest reading of 80 s windows; limit 10%)",
    ]);
    // Growth inside the first minute (start-up) is not judged.
    const startUp = flatMemory(300).map((r) => (r.t < 60 ? { ...r, rssBytes: 200 * MiB } : r));
    expect(judge(steady(300, 10), startUp, JOB_OK, 300).passed).toBe(true);
  });

  it("compares the floors of the garbage collector's sawtooth, not single readings", () => {
    // Every other reading 30% high (heap grown before a collection): the floor stays at 300 MiB.
    const sawtooth = flatMemory(300).map((r) => (r.t % 20 === 10 ? { ...r, rssBytes: 390 * MiB } : r));
    const ending = sawtooth.map((r) => (r.t === 300 ? { ...r, rssBytes: 390 * MiB } : r));
    expect(judge(steady(300, 10), ending, JOB_OK, 300).passed).toBe(true);
    // A floor that rises by 15% is growth, whatever the peaks do.
    const rising = sawtooth.map((r) => (r.t >= 220 && r.t % 20 === 0 ? { ...r, rssBytes: 345 * MiB } : r));
    expect(judge(steady(300, 10), rising, JOB_OK, 300).failures[0]).toMatch(/grew 15\.0%/);
  });

  it("fails when the last minute's p99 is above twice the first minute's", () => {
    const slowEnd = steady(300, 10, (t) => (t >= 240 && Math.round(t * 10) % 50 === 0 ? 25 : 10));
    expect(judge(slowEnd, flatMemory(300), JOB_OK, 300).failures).toEqual([
      "p99 of the last minute 25.0 ms is above 2x the first minute's 10.0 ms",
    ]);
    const aLittleSlower = steady(300, 10, (t) => (t >= 240 ? 19 : 10));
    expect(judge(aLittleSlower, flatMemory(300), JOB_OK, 300).passed).toBe(true);
  });

  it("fails on a status a request's kind never answers, and on a job that did not succeed", () => {
    const run = steady(300, 10);
    run[5] = { t: 0.5, kind: "cached", status: 404, ms: 3, expected: false };
    expect(judge(run, flatMemory(300), JOB_OK, 300).failures).toEqual([
      "1 request(s) got a status their kind never answers: cached -> 404",
    ]);
    expect(judge(steady(300, 10), flatMemory(300), [{ id: "job_2", state: "running" }], 300).failures).toEqual([
      "job(s) not succeeded: job_2 running",
    ]);
  });

  it("does not judge trends in a run shorter than two minutes", () => {
    const readings = flatMemory(90).map((r) => ({ ...r, rssBytes: (300 + r.t) * MiB }));
    expect(
      judge(
        steady(90, 10, (t) => (t > 60 ? 100 : 10)),
        readings,
        JOB_OK,
        90,
      ).passed,
    ).toBe(true);
  });
});

describe("histogramBetween", () => {
  const scrape = (counts: [number, number, number], sum: number) =>
    parseExposition(
      [
        "# TYPE s histogram",
        `s_bucket{operation="get",outcome="ok",le="0.001"} ${counts[0]}`,
        `s_bucket{operation="get",outcome="ok",le="0.01"} ${counts[1]}`,
        `s_bucket{operation="get",outcome="ok",le="+Inf"} ${counts[2]}`,
        `s_sum{operation="get",outcome="ok"} ${sum}`,
        `s_count{operation="get",outcome="ok"} ${counts[2]}`,
        `s_bucket{operation="put",outcome="ok",le="0.001"} 0`,
        `s_bucket{operation="put",outcome="ok",le="0.01"} 0`,
        `s_bucket{operation="put",outcome="ok",le="+Inf"} 1`,
        `s_sum{operation="put",outcome="ok"} 0.5`,
        `s_count{operation="put",outcome="ok"} 1`,
      ].join("\n"),
    );

  it("counts only what happened between the scrapes, with the mean and an upper-bound quantile", () => {
    // Before: 10 gets. After: 100 more, 90 under 1 ms and 10 under 10 ms, 0.1 s in all.
    const before = scrape([10, 10, 10], 0.005);
    const after = scrape([100, 110, 110], 0.105);
    const gets = histogramBetween(before, after, "s", 'operation="get"');
    expect(gets.count).toBe(100);
    expect(gets.mean).toBeCloseTo(0.001, 12);
    expect(gets.quantile(0.9)).toBe(0.001);
    expect(gets.quantile(0.99)).toBe(0.01);
    // Every operation: the put made before the first scrape is not in the window.
    expect(histogramBetween(before, after, "s").count).toBe(100);
    expect(histogramBetween(after, after, "s").mean).toBeNaN();
  });
});
