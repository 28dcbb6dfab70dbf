// docs/api.md is generated from the OpenAPI document the app serves (scripts/lib/api-doc.ts):
// the committed file must be what the app produces now, cover every operation and error
// type, and be what prettier would write.

import { readFile } from "node:fs/promises";
import { check, resolveConfig } from "prettier";
import { describe, expect, it } from "vitest";
import {
  API_DOC,
  API_DOC_COMMAND,
  apiDocPath,
  apiMarkdown,
  appOpenApiDocument,
  renderApiMarkdown,
} from "../../scripts/lib/api-doc.js";
import { ERROR_STATUS } from "../../src/errors.js";

/** The first line where two texts differ, for a message a reader can act on. */
function firstDifference(committed: string, expected: string): string {
  const a = committed.split("\n");
  const b = expected.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i < 0 ? Math.min(a.length, b.length) : i;
  return `line ${at + 1}:\n  committed: ${a[at] ?? "(end of file)"}\n  generated: ${b[at] ?? "(end of file)"}`;
}

describe(API_DOC, () => {
  it("is what the app's OpenAPI document produces now", async () => {
    const [committed, expected] = await Promise.all([readFile(apiDocPath(), "utf8"), apiMarkdown()]);
    const stale = committed !== expected;
    expect(
      stale,
      stale
        ? `${API_DOC} is out of date with GET /openapi.json; regenerate it with \`${API_DOC_COMMAND}\` and commit it (${firstDifference(committed, expected)})`
        : "",
    ).toBe(false);
  });

  it("has a section for every operation of the document, and every error type", async () => {
    const doc = await appOpenApiDocument();
    const markdown = renderApiMarkdown(doc);
    const operations = Object.entries(doc.paths).flatMap(([route, item]) =>
      Object.keys(item).map((method) => `### ${method.toUpperCase()} ${route}`),
    );
    expect(operations.length).toBeGreaterThan(10);
    for (const heading of operations) expect(markdown.split("\n")).toContain(heading);
    for (const [type, status] of Object.entries(ERROR_STATUS))
      expect(markdown).toContain(`| \`${type}\` | ${status} |`);
    for (const name of Object.keys(doc.components?.schemas ?? {})) expect(markdown).toContain(`### ${name}\n`);
  });

  it("is prettier-stable", async () => {
    const options = (await resolveConfig(apiDocPath())) ?? {};
    expect(await check(await apiMarkdown(), { ...options, filepath: apiDocPath() })).toBe(true);
  });
});
