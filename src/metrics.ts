// A minimal Prometheus registry (counters, gauges and histograms with labels) rendering the text
// exposition format 0.0.4; small enough to run in a Worker without a metrics library.

type Labels = Readonly<Record<string, string>>;

interface Metric {
  render(): string[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const parts = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? "")}"`);
  if (extra !== "") parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  return Number.isInteger(value) ? value.toString() : value.toPrecision(12).replace(/\.?0+$/, "");
}

abstract class Family<S> implements Metric {
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected abstract initial(): S;
  protected abstract lines(labels: readonly string[], state: S): string[];
  protected abstract get kind(): string;

  protected stateFor(labels: Labels): S {
    const values = this.labelNames.map((name) => labels[name] ?? "");
    const id = JSON.stringify(values);
    let entry = this.series.get(id);
    if (entry === undefined) {
      entry = { values, state: this.initial() };
      this.series.set(id, entry);
    }
    return entry.state;
  }

  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.kind}`];
    for (const { values, state } of this.series.values()) out.push(...this.lines(values, state));
    return out;
  }
}

/** One number per label set: what counters and gauges share. */
abstract class ScalarFamily extends Family<{ value: number }> {
  protected initial(): { value: number } {
    return { value: 0 };
  }
  protected lines(labels: readonly string[], state: { value: number }): string[] {
    return [`${this.name}${labelText(this.labelNames, labels)} ${formatNumber(state.value)}`];
  }

  inc(labels: Labels = {}, by = 1): void {
    this.stateFor(labels).value += by;
  }

  /**
   * inc() for one label set, its series looked up once: for a path that counts the same
   * labels on every request. The series exists from then on (rendered, at 0 until counted).
   */
  bound(labels: Labels = {}): (by?: number) => void {
    const state = this.stateFor(labels);
    return (by = 1) => {
      state.value += by;
    };
  }

  /** Current value of one series (for tests and health output). */
  get(labels: Labels = {}): number {
    return this.stateFor(labels).value;
  }
}

export class Counter extends ScalarFamily {
  protected get kind(): string {
    return "counter";
  }
}

/** A value that goes up and down (queue depth, state flags). */
export class Gauge extends ScalarFamily {
  protected get kind(): string {
    return "gauge";
  }

  set(labels: Labels, value: number): void {
    this.stateFor(labels).value = value;
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramState> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected get kind(): string {
    return "histogram";
  }
  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  protected lines(labels: readonly string[], state: HistogramState): string[] {
    const out = this.buckets.map(
      (le, i) =>
        `${this.name}_bucket${labelText(this.labelNames, labels, `le="${formatNumber(le)}"`)} ${state.counts[i] ?? 0}`,
    );
    out.push(`${this.name}_bucket${labelText(this.labelNames, labels, 'le="+Inf"')} ${state.count}`);
    out.push(`${this.name}_sum${labelText(this.labelNames, labels)} ${formatNumber(state.sum)}`);
    out.push(`${this.name}_count${labelText(this.labelNames, labels)} ${state.count}`);
    return out;
  }

  observe(labels: Labels, value: number): void {
    this.record(this.stateFor(labels), value);
  }

  /** observe() for one label set, its series looked up once (as Counter.bound). */
  bound(labels: Labels): (value: number) => void {
    const state = this.stateFor(labels);
    return (value) => this.record(state, value);
  }

  private record(state: HistogramState, value: number): void {
    // Buckets are cumulative in the exposition format: every bucket >= value counts it.
    this.buckets.forEach((le, i) => {
      if (value <= le) state.counts[i] = (state.counts[i] ?? 0) + 1;
    });
    state.sum += value;
    state.count += 1;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  private readonly collectors: (() => void)[] = [];

  /** Runs `collect` before every render: gauges of state read at scrape time (memory, cache size). */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    for (const collect of this.collectors) collect();
    return this.metrics.flatMap((m) => m.render()).join("\n") + "\n";
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
