// The top functions of a V8 CPU profile (`node --cpu-prof`) as a markdown table: self and
// inclusive shares of the busy samples (idle left out) within the load window, from the first
// to the last sample whose stack holds a frame named MARKER (e.g. `runNext` of
// engine/http/turns.ts for the router, `responseViaCache` for bare Hono), so start-up and
// shutdown do not count. How docs/bench/cached-hit.md's profile tables were made.
//
//   node --import tsx scripts/bench/profile-top.ts FILE.cpuprofile MARKER [ROWS]

import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, marker, rowsArg = "15"] = process.argv.slice(2);
if (file === undefined || marker === undefined) throw new Error("usage: profile-top.ts FILE.cpuprofile MARKER [ROWS]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

function stack(id: number): ProfileNode[] {
  const out: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at);
    if (n !== undefined) out.push(n);
  }
  return out;
}

/** A frame as `name file`, the file relative to node_modules or the repository. */
function label(n: ProfileNode): string {
  const where = n.callFrame.url
    .replace(/^.*node_modules\//, "")
    .replace(/^file:\/\/.*?\/(src|node|engine|scripts)\//, "$1/")
    .replace(/^file:\/\//, "");
  return `${n.callFrame.functionName === "" ? "(anonymous)" : n.callFrame.functionName} ${where}`.trim();
}

const inWindow = profile.samples.map((id) => stack(id).some((n) => n.callFrame.functionName === marker));
const first = inWindow.indexOf(true);
const last = inWindow.lastIndexOf(true);
if (first === -1) throw new Error(`no sample has a frame named ${marker}`);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
let idle = 0;
let windowUs = 0;
for (let i = first; i <= last; i++) {
  windowUs += profile.timeDeltas[i] ?? 0;
  const frames = stack(profile.samples[i] ?? 0);
  const top = frames[0];
  if (top === undefined || top.callFrame.functionName === "(idle)") {
    idle += 1;
    continue;
  }
  busy += 1;
  self.set(label(top), (self.get(label(top)) ?? 0) + 1);
  for (const name of new Set(frames.map(label))) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
}

const rows = Number(rowsArg);
const share = (count: number) => `${((100 * count) / busy).toFixed(1)}%`;
const top = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]);
const bySelf = top(self).slice(0, rows);
const byInclusive = top(inclusive).filter(([name]) => name !== "(root)" && !name.startsWith("(program)"));
const lines = [
  `${(windowUs / 1e6).toFixed(2)} s of load, ${busy + idle} samples, ${((100 * idle) / (busy + idle)).toFixed(1)}% idle; shares of the busy samples`,
  "",
  "| self | function |",
  "| --- | --- |",
  ...bySelf.map(([name, count]) => `| ${share(count)} | \`${name}\` |`),
  "",
  "| inclusive | function |",
  "| --- | --- |",
  ...byInclusive.slice(0, rows).map(([name, count]) => `| ${share(count)} | \`${name}\` |`),
];
process.stdout.write(`${lines.join("\n")}\n`);
