// Reads typed settings from a plain string record (Node passes process.env, the Worker its
// string vars), collecting every bad value before failing, and recording each variable it
// is asked for: docs/configuration.md is checked against those records
// (tests/unit/config-docs.test.ts). Every runtime's config module imports this one.

export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** How a variable was read: its kind, and the default and bounds the reader applied. */
export type ConfigRead =
  | { kind: "string" }
  | { kind: "url" }
  | { kind: "urlList" }
  | { kind: "int"; fallback: number; min: number; max: number }
  | { kind: "bool"; fallback: boolean }
  | { kind: "oneOf"; fallback: string; allowed: readonly string[] };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/** Reads variables one by one, collecting every problem before failing (see finish()). */
export class ConfigReader {
  private readonly problems: string[] = [];
  private readonly seen = new Map<string, ConfigRead>();

  constructor(private readonly env: EnvRecord) {}

  /** Every variable asked for so far, in the order first asked, with how it was read. */
  reads(): ReadonlyMap<string, ConfigRead> {
    return this.seen;
  }

  string(name: string): string | undefined {
    this.record(name, { kind: "string" });
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    this.record(name, { kind: "int", fallback, min, max });
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    this.record(name, { kind: "bool", fallback });
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  url(name: string): string | undefined {
    this.record(name, { kind: "url" });
    const raw = this.raw(name);
    return raw === undefined ? undefined : this.checkUrl(name, raw);
  }

  urlList(name: string): string[] {
    this.record(name, { kind: "urlList" });
    const raw = this.raw(name);
    if (raw === undefined) return [];
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .flatMap((s) => {
        const url = this.checkUrl(name, s);
        return url === undefined ? [] : [url];
      });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    this.record(name, { kind: "oneOf", fallback, allowed });
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    const found = allowed.find((a) => a === raw);
    if (found === undefined) {
      this.problems.push(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
      return fallback;
    }
    return found;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws a ConfigError listing every problem seen so far. */
  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  /** The first read of a name is kept: a later read of it is the same variable. */
  private record(name: string, read: ConfigRead): void {
    if (!this.seen.has(name)) this.seen.set(name, read);
  }

  private checkUrl(name: string, raw: string): string | undefined {
    try {
      const url = new URL(raw);
      if (url.protocol === "http:" || url.protocol === "https:") return raw.replace(/\/+$/, "");
    } catch {
      // reported below
    }
    // Only the scheme is echoed: a URL may embed credentials.
    this.problems.push(`${name} must be an http(s) URL`);
    return undefined;
  }
}
