// The Prometheus registry renders the text exposition format: HELP/TYPE lines, escaped
// labels, cumulative histogram buckets with +Inf, _sum and _count.

import { describe, expect, it } from "vitest";
import { Registry } from "../../src/metrics.js";

describe("Registry", () => {
  it("renders counters with escaped label values", () => {
    const r = new Registry();
    const c = r.counter("x_total", "Things.", ["path"]);
    c.inc({ path: 'a"b\\c\nd' });
    c.inc({ path: "plain" }, 2.5);
    expect(r.render()).toBe(
      [
        "# HELP x_total Things.",
        "# TYPE x_total counter",
        'x_total{path="a\\"b\\\\c\\nd"} 1',
        'x_total{path="plain"} 2.5',
        "",
      ].join("\n"),
    );
    expect(c.get({ path: "plain" })).toBe(2.5);
  });

  it("renders cumulative histogram buckets", () => {
    const r = new Registry();
    const h = r.histogram("lat_seconds", "Latency.", ["route"], [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe({ route: "/a" }, v);
    expect(r.render().split("\n")).toEqual([
      "# HELP lat_seconds Latency.",
      "# TYPE lat_seconds histogram",
      'lat_seconds_bucket{route="/a",le="0.1"} 2',
      'lat_seconds_bucket{route="/a",le="1"} 3',
      'lat_seconds_bucket{route="/a",le="+Inf"} 4',
      'lat_seconds_sum{route="/a"} 3.65',
      'lat_seconds_count{route="/a"} 4',
      "",
    ]);
  });

  it("renders label-less series without braces", () => {
    const r = new Registry();
    r.counter("n_total", "N.").inc();
    expect(r.render()).toContain("\nn_total 1\n");
  });

  it("reads collected gauges at render time, every render", () => {
    const r = new Registry();
    const g = r.gauge("held_bytes", "Held.");
    let held = 10;
    r.onCollect(() => g.set({}, held));
    expect(r.render()).toContain("held_bytes 10\n");
    held = 42;
    expect(r.render()).toContain("held_bytes 42\n");
  });
});
