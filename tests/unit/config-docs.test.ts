// docs/configuration.md against what the config readers read: each runtime's config parsing
// (Node router, Worker, GPU backend) runs on a recording ConfigReader, unset and then with
// every variable it read set, and the variables it read must be exactly those the docs list
// for it, with the reader's type, bounds and default. The Worker bindings table must name
// exactly the bindings wrangler.toml declares.

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readBackendConfig } from "../../gpu-backend/src/config.js";
import { readNodeConfig } from "../../node/config.js";
import { ConfigReader, type ConfigRead } from "../../src/config/reader.js";
import { readWorkerConfig } from "../../workers/config.js";
import { ROOT } from "../helpers/fixtures.js";

const DOC = "docs/configuration.md";

const RUNTIMES = { Node: readNodeConfig, Worker: readWorkerConfig, backend: readBackendConfig } as const;
type Runtime = keyof typeof RUNTIMES;
type Reads = ReadonlyMap<string, ConfigRead>;

/** A value of the kind a variable was read as and unlike its default, so what it switches on is read too. */
function setValue(read: ConfigRead): string {
  switch (read.kind) {
    case "int":
      return String(read.max);
    case "bool":
      return String(!read.fallback);
    case "oneOf":
      return read.allowed.find((a) => a !== read.fallback) ?? read.fallback;
    case "url":
    case "urlList":
      return "http://config.test";
    case "string":
      return "a".repeat(64);
  }
}

/** Every variable a runtime's readers read: unset, then with all read so far set, until none is new. */
function readsOf(read: (reader: ConfigReader) => unknown): Reads {
  const all = new Map<string, ConfigRead>();
  for (let round = 0; round < 10; round++) {
    const env = Object.fromEntries([...all].map(([name, r]) => [name, setValue(r)]));
    const reader = new ConfigReader(env);
    read(reader);
    const before = all.size;
    for (const [name, r] of reader.reads()) if (!all.has(name)) all.set(name, r);
    if (round > 0 && all.size === before) break;
  }
  return all;
}

interface Table {
  header: string[];
  rows: { cells: string[]; line: number }[];
}

function tables(markdown: string): Table[] {
  const found: Table[] = [];
  let current: Table | undefined;
  const lines = markdown.split("\n");
  lines.forEach((text, i) => {
    const line = text.trim();
    if (!line.startsWith("|")) {
      current = undefined;
      return;
    }
    const cells = line
      .slice(1, line.endsWith("|") ? -1 : undefined)
      .split("|")
      .map((c) => c.trim());
    if (current === undefined) {
      current = { header: cells, rows: [] };
      found.push(current);
    } else if (!cells.every((c) => /^:?-+:?$/.test(c))) {
      current.rows.push({ cells, line: i + 1 });
    }
  });
  return found;
}

function expectedType(read: ConfigRead): string {
  switch (read.kind) {
    case "int":
      return `integer ${read.min}–${read.max}`;
    case "bool":
      return "boolean";
    case "oneOf":
      return `one of ${read.allowed.join(", ")}`;
    case "url":
      return "URL";
    case "urlList":
      return "URL list";
    case "string":
      return "string";
  }
}

/** What a row's Default cell must start with; undefined: the reader applies none (free text). */
function expectedDefault(read: ConfigRead): string | undefined {
  switch (read.kind) {
    case "int":
    case "bool":
    case "oneOf":
      return `\`${String(read.fallback)}\``;
    case "url":
    case "urlList":
      return "none";
    case "string":
      return undefined;
  }
}

/** Every difference between the doc's variable tables and what the runtimes read. */
function variableProblems(markdown: string, reads: Readonly<Record<Runtime, Reads>>): string[] {
  const problems: string[] = [];
  const documented: Record<Runtime, Map<string, { type: string; fallback: string; line: number }>> = {
    Node: new Map(),
    Worker: new Map(),
    backend: new Map(),
  };
  for (const table of tables(markdown)) {
    if (table.header[0] !== "Variable") continue;
    const column = (name: string) => table.header.indexOf(name);
    const [readBy, type, fallback] = [column("Read by"), column("Type"), column("Default")];
    if (readBy < 0 || type < 0 || fallback < 0) {
      problems.push(`a Variable table without Read by, Type and Default columns: ${table.header.join(" | ")}`);
      continue;
    }
    for (const { cells, line } of table.rows) {
      const name = /^`([A-Z0-9_]+)`$/.exec(cells[0] ?? "")?.[1];
      if (name === undefined) {
        problems.push(`line ${line}: the first cell is not a variable name in backticks: ${cells[0]}`);
        continue;
      }
      for (const runtime of (cells[readBy] ?? "").split(",").map((s) => s.trim())) {
        if (!(runtime in documented)) {
          problems.push(`line ${line}: ${name}: unknown runtime "${runtime}" (Node, Worker, backend)`);
          continue;
        }
        const rows = documented[runtime as Runtime];
        if (rows.has(name)) problems.push(`line ${line}: ${name} is listed twice for ${runtime}`);
        rows.set(name, { type: cells[type] ?? "", fallback: cells[fallback] ?? "", line });
      }
    }
  }
  for (const runtime of Object.keys(documented) as Runtime[]) {
    const rows = documented[runtime];
    for (const [name, read] of reads[runtime]) {
      const row = rows.get(name);
      if (row === undefined) {
        problems.push(`${runtime} reads ${name}, which ${DOC} does not list for ${runtime}`);
        continue;
      }
      if (row.type !== expectedType(read)) {
        problems.push(
          `line ${row.line}: ${name} (${runtime}) is read as "${expectedType(read)}", documented "${row.type}"`,
        );
      }
      const fallback = expectedDefault(read);
      if (fallback !== undefined && !row.fallback.startsWith(fallback)) {
        problems.push(`line ${row.line}: ${name} (${runtime}) defaults to ${fallback}, documented "${row.fallback}"`);
      }
    }
    for (const [name, row] of rows) {
      if (!reads[runtime].has(name))
        problems.push(`line ${row.line}: ${name} is listed for ${runtime}, which never reads it`);
    }
  }
  return problems;
}

/** The binding names wrangler.toml declares: `binding = "..."`, and `name = "..."` of bindings. */
function wranglerBindings(toml: string): string[] {
  return [...toml.matchAll(/^\s*(?:binding|name)\s*=\s*"([A-Z][A-Z0-9_]*)"/gm)].map((m) => m[1] ?? "").sort();
}

function documentedBindings(markdown: string): string[] {
  return tables(markdown)
    .filter((t) => t.header[0] === "Binding")
    .flatMap((t) => t.rows.map((r) => /^`([A-Z0-9_]+)`$/.exec(r.cells[0] ?? "")?.[1] ?? `(not a name: ${r.cells[0]})`))
    .sort();
}

const runtimeReads = (): Record<Runtime, Reads> => ({
  Node: readsOf(RUNTIMES.Node),
  Worker: readsOf(RUNTIMES.Worker),
  backend: readsOf(RUNTIMES.backend),
});

describe(DOC, () => {
  const markdown = readFileSync(path.join(ROOT, DOC), "utf8");

  it("lists exactly the variables each runtime reads, with their types and defaults", () => {
    const problems = variableProblems(markdown, runtimeReads());
    expect(
      problems,
      `${DOC} differs from what the config readers read (edit the doc, or the reader):\n${problems.join("\n")}`,
    ).toEqual([]);
  });

  it("lists exactly the Worker bindings wrangler.toml declares", () => {
    const declared = wranglerBindings(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"));
    expect(declared).toContain("GPU_POOL");
    expect(documentedBindings(markdown), `${DOC} "Worker bindings" against wrangler.toml`).toEqual(declared);
  });

  it("fails on a variable left out, one nobody reads, a wrong range and a wrong default", () => {
    const reads = runtimeReads();
    const tampered = markdown
      .replace(/^\| `JOBS_LEASE_MS` .*\n/m, "")
      .replace(/^(\| `JOBS_POLL_MS` .*\n)/m, "$1| `JOBS_NAP_MS` | Node | integer 1–2 | `1` | Not a setting. |\n")
      .replace("integer 1–100000000", "integer 1–99")
      .replace(/^(\| `HTTP_REQUEST_TIMEOUT_MS` +\|[^|]+\|[^|]+\| *)`30000`/m, "$1`3000`");
    const unlined = (doc: string) => variableProblems(doc, reads).map((p) => p.replace(/^line \d+: /, ""));
    // Only what the edits cause: the first test reports the doc's own drift.
    const before = new Set(unlined(markdown));
    expect(unlined(tampered).filter((p) => !before.has(p))).toEqual([
      'JOBS_MAX_IMAGES (Node) is read as "integer 1–100000000", documented "integer 1–99"',
      "Node reads JOBS_LEASE_MS, which docs/configuration.md does not list for Node",
      'HTTP_REQUEST_TIMEOUT_MS (Node) defaults to `30000`, documented "`3000`"',
      "JOBS_NAP_MS is listed for Node, which never reads it",
      'JOBS_MAX_IMAGES (Worker) is read as "integer 1–100000000", documented "integer 1–99"',
      "Worker reads JOBS_LEASE_MS, which docs/configuration.md does not list for Worker",
      'HTTP_REQUEST_TIMEOUT_MS (backend) defaults to `30000`, documented "`3000`"',
    ]);
  });

  it("finds a variable read only when another is set", () => {
    const reads = readsOf((r) => (r.url("GATE") === undefined ? undefined : r.int("GATED", 1, 0, 9)));
    expect([...reads.keys()]).toEqual(["GATE", "GATED"]);
  });
});
