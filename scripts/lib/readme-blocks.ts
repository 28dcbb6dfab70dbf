// Generated blocks in README.md, docs/usage.md and docs/worker.md: the text between
// `<!-- models:sync NAME -->` and `<!-- /models:sync -->` is written by `npm run models:sync`,
// everything else by people. Files are written through prettier, so a sync leaves them
// as `npm run format:check` wants them.

export const BEGIN = (name: string) => `<!-- models:sync ${name} -->`;
export const END = "<!-- /models:sync -->";

/** The names of the generated blocks in `text`, in order. */
export function blockNames(text: string): string[] {
  return [...text.matchAll(/<!-- models:sync ([a-z0-9-]+) -->/g)].map((m) => m[1] ?? "");
}

/** `text` (of `file`) with block `name`'s content replaced by `content`; throws when the block is missing. */
export function replaceBlock(text: string, name: string, content: string, file = "README.md"): string {
  const begin = BEGIN(name);
  const start = text.indexOf(begin);
  if (start === -1) throw new Error(`${file} has no generated block "${begin}"`);
  const bodyStart = start + begin.length;
  const end = text.indexOf(END, bodyStart);
  if (end === -1) throw new Error(`${file}: block "${name}" has no closing "${END}"`);
  return `${text.slice(0, bodyStart)}\n${content.trimEnd()}\n${text.slice(end)}`;
}

/** `text` formatted as prettier formats `file` (the repository's settings), for writing it back. */
export async function formatMarkdown(text: string, file: string): Promise<string> {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** Whether a line of `[key, value]`s fits, as prettier would decide for short objects. */
const INLINE_WIDTH = 100;

/**
 * JSON as the README shows it: two-space indent, and objects or arrays of scalars on one line
 * (`{ "channels": 1, "height": 28 }`) when that line stays short.
 */
export function formatJson(value: unknown, indent = ""): string {
  const inline = inlineJson(value);
  if (inline !== undefined && indent.length + inline.length <= INLINE_WIDTH) return inline;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${inner}${formatJson(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** One-line form of scalars and of containers whose members are all scalars or one-liners. */
function inlineJson(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const parts = value.map(inlineJson);
    return parts.every((p) => p !== undefined) ? `[${parts.join(", ")}]` : undefined;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const parts = entries.map(([k, v]) => {
      const inner = inlineJson(v);
      return inner === undefined ? undefined : `${JSON.stringify(k)}: ${inner}`;
    });
    return parts.every((p) => p !== undefined) ? `{ ${parts.join(", ")} }` : undefined;
  }
  return JSON.stringify(value);
}
