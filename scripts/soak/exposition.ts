// Reading the Prometheus text the services expose: every series by its full name (labels
// included, as written), and a histogram's count, mean and upper-bound quantile between two
// scrapes, so each 10-second window of the soak has its own figures.

export type Series = ReadonlyMap<string, number>;

export function parseExposition(text: string): Series {
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const value = line.slice(space + 1);
    series.set(line.slice(0, space), value === "+Inf" ? Infinity : Number(value));
  }
  return series;
}

export interface WindowHistogram {
  count: number;
  /** Seconds; NaN when nothing was observed. */
  mean: number;
  /** The upper bound of the bucket holding the q-th observation (seconds; NaN when empty). */
  quantile(q: number): number;
}

/**
 * The observations of histogram `name` made between `before` and `after`, summed over every
 * label set whose labels include `match` (for example `operation="get"`; "" for all).
 */
export function histogramBetween(before: Series, after: Series, name: string, match = ""): WindowHistogram {
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  for (const key of after.keys()) {
    if (match !== "" && !key.includes(match)) continue;
    if (key.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(key)?.[1] ?? "+Inf";
      const bound = le === "+Inf" ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + delta(key));
    } else if (key.startsWith(`${name}_count`)) {
      count += delta(key);
    } else if (key.startsWith(`${name}_sum`)) {
      sum += delta(key);
    }
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  return {
    count,
    mean: count > 0 ? sum / count : NaN,
    quantile(q: number): number {
      if (count === 0) return NaN;
      const rank = Math.ceil(q * count);
      // Buckets are cumulative: the first bound whose count reaches the rank holds it.
      return bounds.find((b) => (buckets.get(b) ?? 0) >= rank) ?? Infinity;
    },
  };
}
