// No import cycles anywhere in the repository's own TypeScript, type-only imports included:
// a cycle blurs which module owns what (issue 23 broke src/config.ts <-> src/jobs/config.ts
// and workers/env.ts <-> workers/pool/gpu-pool-object.ts).

import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph } from "../../scripts/lib/import-cycles.js";

describe("import cycles", () => {
  it("the repository has none", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(300);
    const cycles = importCycles(graph);
    expect(
      cycles,
      `import cycles (list them: node --import tsx scripts/lib/import-cycles.ts):\n${cycles.join("\n")}`,
    ).toEqual([]);
  });

  it("finds a type-only cycle through a re-export, and the files of its component", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "import-cycles-"));
    await mkdir(path.join(root, "src", "jobs"), { recursive: true });
    await writeFile(path.join(root, "src", "config.ts"), 'export { readJobs } from "./jobs/config.js";\n');
    await writeFile(
      path.join(root, "src", "jobs", "config.ts"),
      'import type { Reader } from "../config.js";\nimport "../reader";\nexport const readJobs = (r: Reader) => r;\n',
    );
    await writeFile(path.join(root, "src", "reader.ts"), "");
    await writeFile(path.join(root, "src", "self.ts"), 'export type Self = import("./self.js").Self;\n');
    const graph = importGraph(root, ["src"]);
    expect(graph.get("src/jobs/config.ts")).toEqual(["src/config.ts", "src/reader.ts"]);
    expect(importCycles(graph)).toEqual([
      "src/config.ts -> src/jobs/config.ts -> src/config.ts",
      "src/self.ts -> src/self.ts",
    ]);
  });

  it("names every file of a larger component", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts", "c.ts"]],
      ["c.ts", ["b.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(importCycles(graph)).toEqual(["a.ts -> b.ts -> a.ts (with c.ts)"]);
  });
});
