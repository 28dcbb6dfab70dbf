// The samplers' quality against their cost (issue 16) as one standalone SVG: two panels
// sharing the x axis, time per image at batch 1 (log scale), with FLD (lower is better) on
// the left and class accuracy (higher is better) on the right; one labelled point per
// sampler. No library, so `npm run bench` and the model report need nothing more.

export interface QualityPoint {
  /** "G", "K=4" (Jacobi, the same count for every block), "default" (Jacobi's default schedule), "exact". */
  label: string;
  msPerImage: number;
  fld: number;
  accuracy: number;
}

/** A sampler name (scripts/lib/samplers-node.ts) as the chart labels it: G, K=4, default, exact. */
export function pointLabel(sampler: string): string {
  if (sampler === "g") return "G";
  if (sampler === "jacobi:default") return "default";
  return sampler.replace("jacobi:", "K=");
}

const PANEL_W = 360;
const H = 380;
const M = { left: 60, right: 20, top: 60, bottom: 50 };
const W = 2 * PANEL_W;

const color = (label: string) =>
  label.startsWith("G") ? "#2471a3" : label.startsWith("exact") ? "#c0392b" : "#7d3c98";
/** Uniform Jacobi schedules ("K=1", "K=2", ...) are joined by a line: the cost-quality curve of K. */
const isUniform = (label: string) => label.startsWith("K=");

function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 5, 10].map((f) => f * step).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9; v += nice) out.push(Number(v.toPrecision(6)));
  return out;
}

function panel(points: readonly QualityPoint[], x0: number, key: "fld" | "accuracy", title: string): string {
  const xs = points.map((p) => Math.log10(p.msPerImage));
  const ys = points.map((p) => p[key]);
  const [lx0, lx1] = [Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs))];
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.1 || 1;
  const [y0, y1] = [Math.max(0, Math.min(...ys) - pad), Math.max(...ys) + pad];
  const left = x0 + M.left;
  const right = x0 + PANEL_W - M.right;
  const px = (ms: number) => left + ((Math.log10(ms) - lx0) / Math.max(1e-9, lx1 - lx0)) * (right - left);
  const py = (v: number) => H - M.bottom - ((v - y0) / Math.max(1e-9, y1 - y0)) * (H - M.top - M.bottom);
  const xTicks = Array.from({ length: lx1 - lx0 + 1 }, (_, i) => 10 ** (lx0 + i))
    .map((ms) => {
      const x = px(ms).toFixed(1);
      return `<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/><text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${ms}</text>`;
    })
    .join("");
  const yTicks = ticks(y0, y1, 5)
    .map((v) => {
      const y = py(v).toFixed(1);
      return `<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${v}</text>`;
    })
    .join("");
  const curve = points
    .filter((p) => isUniform(p.label))
    .map((p, i) => `${i === 0 ? "M" : "L"}${px(p.msPerImage).toFixed(1)},${py(p[key]).toFixed(1)}`)
    .join(" ");
  const dots = points
    .map((p) => {
      const [x, y] = [px(p.msPerImage).toFixed(1), py(p[key]).toFixed(1)];
      return `<circle cx="${x}" cy="${y}" r="4" fill="${color(p.label)}"/><text x="${x}" y="${(Number(y) + (p.label === "default" ? 16 : -8)).toFixed(1)}" text-anchor="middle" font-size="10" fill="${color(p.label)}">${p.label}</text>`;
    })
    .join("");
  return `<text x="${(left + right) / 2}" y="${M.top - 10}" text-anchor="middle" font-weight="bold">${title}</text>
${xTicks}${yTicks}<path d="${curve}" fill="none" stroke="#7d3c98" stroke-dasharray="4 3"/>${dots}
<text x="${(left + right) / 2}" y="${H - 14}" text-anchor="middle">ms per image, batch 1 (log)</text>`;
}

export function qualityChartSvg(points: readonly QualityPoint[], title: string, subtitle: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Quality against time per image: ${title}</text>
<text x="${W / 2}" y="34" text-anchor="middle" fill="#555">${subtitle}</text>
${panel(points, 0, "fld", "FLD (lower is better)")}
${panel(points, PANEL_W, "accuracy", "class accuracy (higher is better)")}
</svg>
`;
}
