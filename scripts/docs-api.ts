// Writes docs/api.md from the app's OpenAPI document (scripts/lib/api-doc.ts): `npm run docs:api`.
// With --check it writes nothing and exits 1 when the committed file differs.

import { readFile, writeFile } from "node:fs/promises";
import { API_DOC, API_DOC_COMMAND, apiDocPath, apiMarkdown } from "./lib/api-doc.js";

const expected = await apiMarkdown();
const current = await readFile(apiDocPath(), "utf8").catch(() => "");
if (process.argv.includes("--check")) {
  if (current !== expected) {
    console.error(`${API_DOC} is out of date with the app's OpenAPI document; run: ${API_DOC_COMMAND}`);
    process.exit(1);
  }
  console.log(`${API_DOC} is up to date`);
} else if (current === expected) {
  console.log(`${API_DOC} unchanged`);
} else {
  await writeFile(apiDocPath(), expected);
  console.log(`wrote ${API_DOC}`);
}
