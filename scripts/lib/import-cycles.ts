// The repository's relative import graph (type-only imports and re-exports included) and
// its cycles: `node --import tsx scripts/lib/import-cycles.ts` prints each cycle and exits
// 1 if there is one; tests/unit/import-cycles.test.ts fails on a new one. Imports are read
// with TypeScript's own pre-processor, so every form counts (import, import type, export
// from, import(), require); package imports are not followed.

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The source folders of the graph; tests are in too (their helpers import each other). */
export const GRAPH_FOLDERS = ["src", "workers", "node", "gpu-backend", "engine", "web", "scripts", "tests"];

const SKIP_DIRS = new Set(["node_modules", "dist", "coverage", ".wrangler"]);

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (!SKIP_DIRS.has(name)) files.push(...sourceFiles(full));
    } else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith(".d.ts")) {
      files.push(full);
    }
  }
  return files;
}

/** The file a relative specifier names: `./x.js` is x.ts, `./dir` is dir/index.ts. */
function resolve(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(js|mjs|ts|mts)$/, "");
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, path.join(base, "index.ts")]) {
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

/** Each file (relative to the root) with the files it imports. */
export function importGraph(root = ROOT, folders = GRAPH_FOLDERS): Map<string, string[]> {
  const files = folders.flatMap((folder) => sourceFiles(path.join(root, folder)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map((ref) => ref.fileName)
      .filter((spec) => spec.startsWith("./") || spec.startsWith("../"))
      .flatMap((spec) => resolve(file, spec, known) ?? []);
    graph.set(path.relative(root, file), [...new Set(targets.map((t) => path.relative(root, t)))].sort());
  }
  return graph;
}

/**
 * Every cycle: per strongly connected component (Tarjan's algorithm), one shortest loop
 * through its first file, written `a -> b -> a`, then the component's other files if any.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
        onStack.delete(top);
        component.push(top);
        if (top === node) break;
      }
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);

  return components.map((component) => {
    const members = new Set(component);
    const start = component[0] ?? "";
    // Breadth-first from the component's first file back to itself, inside the component.
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const node = queue.shift() ?? "";
      for (const next of graph.get(node) ?? []) {
        if (!members.has(next)) continue;
        if (next === start) {
          const loop = [start];
          for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) {
            loop.splice(1, 0, at);
          }
          const others = component.filter((file) => !loop.includes(file));
          return [...loop, start].join(" -> ") + (others.length === 0 ? "" : ` (with ${others.join(", ")})`);
        }
        if (!previous.has(next)) {
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    return component.join(" -> ");
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const cycles = importCycles(graph);
  for (const cycle of cycles) console.log(cycle);
  console.log(`${graph.size} files, ${cycles.length} import cycle(s)`);
  process.exit(cycles.length === 0 ? 0 : 1);
}
