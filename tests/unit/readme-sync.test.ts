// The generated blocks of README.md, docs/usage.md and docs/worker.md (`npm run models:sync`): the block
// helpers, and that what they show is current for models/ (a retrain without a sync fails here).

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { blockNames, formatJson, replaceBlock } from "../../scripts/lib/readme-blocks.js";
import { ROOT } from "../helpers/fixtures.js";

describe("README generated blocks", () => {
  const text = "# T\n<!-- models:sync a -->\nold\n<!-- /models:sync -->\ntail\n";

  it("replaces only the named block's content, and again to the same text", () => {
    const once = replaceBlock(text, "a", "new\n");
    expect(once).toBe("# T\n<!-- models:sync a -->\nnew\n<!-- /models:sync -->\ntail\n");
    expect(replaceBlock(once, "a", "new")).toBe(once);
    expect(blockNames(once)).toEqual(["a"]);
  });

  it("names a missing block", () => {
    expect(() => replaceBlock(text, "b", "x")).toThrow('README.md has no generated block "<!-- models:sync b -->"');
  });

  it("writes short objects on one line and long ones expanded", () => {
    expect(formatJson({ image: { channels: 1, height: 28 }, list: [] })).toBe(
      '{ "image": { "channels": 1, "height": 28 }, "list": [] }',
    );
    const long = { description: "x".repeat(120), n: 1 };
    expect(formatJson(long)).toBe(`{\n  "description": "${"x".repeat(120)}",\n  "n": 1\n}`);
  });
});

describe("README.md and docs/usage.md are in sync with models/", () => {
  it("have every generated block, showing each model's current version", async () => {
    const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
    expect(blockNames(readme).sort()).toEqual(["api-encode", "api-sample-head", "api-samples", "models-table"].sort());
    const usage = await readFile(path.join(ROOT, "docs", "usage.md"), "utf8");
    expect(blockNames(usage)).toEqual(["api-models"]);
    const workerDoc = await readFile(path.join(ROOT, "docs", "worker.md"), "utf8");
    expect(blockNames(workerDoc)).toEqual(["worker-size"]);
    const models = JSON.parse(/<!-- models:sync api-models -->\s*```json\n([\s\S]*?)```/.exec(usage)?.[1] ?? "{}") as {
      models?: { id: string; version: string }[];
    };
    for (const d of await readdir(path.join(ROOT, "models"), { withFileTypes: true })) {
      const text = await readFile(path.join(ROOT, "models", d.name, "manifest.json"), "utf8").catch(() => "");
      if (!d.isDirectory() || text === "") continue;
      const { id, version } = JSON.parse(text) as { id: string; version: string };
      const stale = `README.md or docs/usage.md shows another version of ${id}: run npm run models:sync`;
      // The table row as prettier aligns it: cells padded with spaces to the column's width.
      const row = new RegExp(
        `^\\| \\[\`${d.name}/\`\\]\\(models/${d.name}/README\\.md\\) +\\| \`${version}\` +\\|`,
        "m",
      );
      expect(readme, stale).toMatch(row);
      expect(models.models?.find((m) => m.id === id)?.version, stale).toBe(version);
      for (const [, shown] of readme.matchAll(new RegExp(`samples/v1/${id}/([^/]+)/`, "g"))) {
        expect(shown, stale).toBe(version);
      }
    }
  });
});
