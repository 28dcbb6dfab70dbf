// Class names, slugs and indexes: a class may be given as an index, a name (any case) or
// a slug like `t-shirt-top`; null means unconditional (the manifest's null_class).

import { invalidParam } from "../errors.js";
import type { ModelManifest } from "./manifest.js";

/** Lowercase ASCII words joined by '-': "T-shirt/top" -> "t-shirt-top". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Words the unconditional class goes by in URLs. */
export const NULL_CLASS_LABELS: readonly string[] = ["null", "none", "unconditional"];

/**
 * Slugs must be unique and must not read as an index or as the null class, so that every
 * URL names one class. Returns the problems found (empty when the names are usable).
 */
export function classNameProblems(classes: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const name of classes) {
    const slug = slugify(name);
    if (slug === "" || /^\d+$/.test(slug) || NULL_CLASS_LABELS.includes(slug)) {
      problems.push(`class "${name}" has no usable slug ("${slug}")`);
    } else if (seen.has(slug)) {
      problems.push(`classes "${seen.get(slug) ?? ""}" and "${name}" share the slug "${slug}"`);
    } else {
      seen.set(slug, name);
    }
  }
  return problems;
}

/** The class label of unconditional samples in URLs. */
export const NULL_CLASS_LABEL = "null";

/** The class part of a sample's URL: the slug, or "null" for unconditional. */
export function classLabel(manifest: ModelManifest, classIndex: number | null): string {
  if (classIndex === null) return NULL_CLASS_LABEL;
  return slugify(manifest.classes[classIndex] ?? String(classIndex));
}

function classBounds(manifest: ModelManifest): string {
  return `an index 0..${manifest.classes.length - 1}, a class name, or null`;
}

/**
 * Resolves the client's class to an index, or null for unconditional sampling.
 * `undefined` (not given) is unconditional too. Throws invalid_request naming `param`.
 */
export function resolveClass(
  manifest: ModelManifest,
  value: number | string | null | undefined,
  param = "class",
): number | null {
  if (value === null || value === undefined) return null;
  const k = manifest.classes.length;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && value < k) return value;
    if (value === manifest.null_class) return null;
    throw invalidParam(param, `${param} must be ${classBounds(manifest)}; got ${value}`);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return resolveClass(manifest, Number(text), param);
  const slug = slugify(text);
  if (NULL_CLASS_LABELS.includes(slug)) return null;
  const index = manifest.classes.findIndex((name) => slugify(name) === slug);
  if (index >= 0) return index;
  throw invalidParam(
    param,
    `${param} must be ${classBounds(manifest)}; "${text}" is not one of: ${manifest.classes.join(", ")}`,
  );
}
