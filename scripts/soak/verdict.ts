// The soak's pass/fail rules (docs/soak.md), as a pure function of what the run recorded, so
// the rules are tested on their own (tests/unit/soak-verdict.test.ts).

/** One request of the load, as the client saw it. */
export interface Outcome {
  /** Seconds since the load started. */
  t: number;
  kind: string;
  /** HTTP status, or 0 when the request failed below HTTP (reset, refused, client timeout). */
  status: number;
  ms: number;
  /** Whether `status` is one this kind of request may answer (200 for a cached sample, 503 allowed for computes...). */
  expected: boolean;
}

/** One 10-second reading of the router's own metrics. */
export interface Reading {
  t: number;
  rssBytes: number;
  cacheBytes: number;
}

export interface JobResult {
  id: string;
  state: string;
}

export interface Verdict {
  passed: boolean;
  failures: string[];
  figures: {
    requests: number;
    by_status: Record<string, number>;
    shed_share: number;
    unexpected: number;
    p99_first_minute_ms: number;
    p99_last_minute_ms: number;
    rss_less_cache_after_first_minute_bytes: number;
    rss_less_cache_end_bytes: number;
    rss_less_cache_growth: number;
  };
}

export const RULES = {
  /** 503 and 504 together may be at most this share of all requests. */
  maxShedShare: 0.001,
  /** Resident memory less the cache's bytes may grow at most this much after the first minute... */
  maxMemoryGrowth: 0.1,
  /** ...its lowest reading in a window this long after the first minute against the last one. */
  memoryWindowSeconds: 300,
  /** The last minute's p99 may be at most this many times the first minute's. */
  maxP99Ratio: 2,
} as const;

/** Nearest-rank percentile (NaN for no values). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/**
 * `outcomes` of a run that lasted `seconds`, `readings` of the router, and the jobs' final
 * states. Latency counts every request but the hostile ones, whose slow or chunked bodies
 * time the client, not the service.
 */
export function judge(
  outcomes: readonly Outcome[],
  readings: readonly Reading[],
  jobs: readonly JobResult[],
  seconds: number,
): Verdict {
  const failures: string[] = [];
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;

  const broken = outcomes.filter((o) => o.status === 0 || (o.status >= 500 && o.status !== 503 && o.status !== 504));
  if (broken.length > 0) {
    const first = broken[0];
    failures.push(
      `${broken.length} request(s) failed with a 5xx other than 503/504 or below HTTP (first: ${first?.kind} -> ${first?.status} at ${first?.t.toFixed(1)} s)`,
    );
  }
  const shed = outcomes.filter((o) => o.status === 503 || o.status === 504).length;
  const shedShare = outcomes.length === 0 ? 0 : shed / outcomes.length;
  if (shedShare > RULES.maxShedShare) {
    failures.push(`503/504 were ${(shedShare * 100).toFixed(3)}% of requests (limit ${RULES.maxShedShare * 100}%)`);
  }
  const unexpected = outcomes.filter((o) => !o.expected && o.status >= 200 && o.status < 500);
  if (unexpected.length > 0) {
    const kinds = [...new Set(unexpected.map((o) => `${o.kind} -> ${o.status}`))].slice(0, 5);
    failures.push(`${unexpected.length} request(s) got a status their kind never answers: ${kinds.join(", ")}`);
  }

  const timed = outcomes.filter((o) => o.kind !== "hostile" && o.status !== 0);
  const p99First = percentile(
    timed.filter((o) => o.t < 60).map((o) => o.ms),
    0.99,
  );
  const p99Last = percentile(
    timed.filter((o) => o.t >= seconds - 60).map((o) => o.ms),
    0.99,
  );
  // Two minutes at least, or the first and last minutes overlap and the rules mean nothing.
  const judgedOverTime = seconds >= 120;
  if (judgedOverTime && p99Last > RULES.maxP99Ratio * p99First) {
    failures.push(
      `p99 of the last minute ${p99Last.toFixed(1)} ms is above ${RULES.maxP99Ratio}x the first minute's ${p99First.toFixed(1)} ms`,
    );
  }

  // Single readings swing by a fifth with the garbage collector's cycles, so compare floors: the
  // lowest reading of a window just after the first minute against the lowest of the run's end.
  const lessCache = (r: Reading) => r.rssBytes - r.cacheBytes;
  const span = Math.min(RULES.memoryWindowSeconds, (seconds - 60) / 3);
  const floor = (from: number, to: number) =>
    Math.min(...readings.filter((r) => r.t >= from && r.t <= to).map(lessCache));
  const base = floor(60, 60 + span);
  const end = floor(seconds - span, Infinity);
  const growth = Number.isFinite(base) && Number.isFinite(end) ? end / base - 1 : NaN;
  if (judgedOverTime && growth > RULES.maxMemoryGrowth) {
    failures.push(
      `resident memory less cache grew ${(growth * 100).toFixed(1)}% after the first minute (lowest reading of ${Math.round(span)} s windows; limit ${RULES.maxMemoryGrowth * 100}%)`,
    );
  }

  const unfinished = jobs.filter((j) => j.state !== "succeeded");
  if (unfinished.length > 0) {
    failures.push(`job(s) not succeeded: ${unfinished.map((j) => `${j.id} ${j.state}`).join(", ")}`);
  }

  return {
    passed: failures.length === 0,
    failures,
    figures: {
      requests: outcomes.length,
      by_status: byStatus,
      shed_share: shedShare,
      unexpected: unexpected.length,
      p99_first_minute_ms: p99First,
      p99_last_minute_ms: p99Last,
      rss_less_cache_after_first_minute_bytes: base,
      rss_less_cache_end_bytes: end,
      rss_less_cache_growth: growth,
    },
  };
}
