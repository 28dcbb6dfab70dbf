// The soak chart: panels of time series (minutes on x) stacked in one standalone SVG, with
// no library, so `npm run soak` needs nothing beyond the repository.

export interface Line {
  label: string;
  color: string;
  /** [minutes, value]; NaN values leave a gap. */
  points: readonly (readonly [number, number])[];
}

export interface Panel {
  title: string;
  unit: string;
  lines: readonly Line[];
  /** A log10 y axis: latency spans milliseconds to seconds. */
  log?: boolean;
}

const W = 760;
const PANEL_H = 190;
const M = { left: 64, right: 170, top: 28, bottom: 26 };

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function panelSvg(panel: Panel, top: number, minutes: number): string {
  const values = panel.lines.flatMap((l) => l.points.map(([, v]) => v)).filter((v) => Number.isFinite(v));
  const plotH = PANEL_H - M.top - M.bottom;
  const px = (m: number) => M.left + (m / Math.max(minutes, 1e-9)) * (W - M.left - M.right);
  let py: (v: number) => number;
  let ticks: number[];
  if (panel.log === true) {
    const positive = values.filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(...positive, 1)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive, 10))));
    py = (v: number) => top + M.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
    ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  } else {
    const yMax = niceMax(Math.max(0, ...values));
    py = (v: number) => top + M.top + plotH - (v / yMax) * plotH;
    ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  }
  const grid = ticks
    .map((v) => {
      const y = py(v).toFixed(1);
      const label = Number(v.toPrecision(3)).toString();
      return `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label}</text>`;
    })
    .join("");
  const step = minutes > 20 ? 5 : minutes > 5 ? 1 : 0.5;
  const xTicks = Array.from({ length: Math.floor(minutes / step) + 1 }, (_, i) => i * step)
    .map((m) => `<text x="${px(m).toFixed(1)}" y="${top + PANEL_H - 8}" text-anchor="middle" fill="#555">${m}</text>`)
    .join("");
  const lines = panel.lines
    .map((line, i) => {
      let d = "";
      let pen = "M";
      for (const [m, v] of line.points) {
        if (!Number.isFinite(v)) {
          pen = "M";
          continue;
        }
        d += `${pen}${px(m).toFixed(1)},${py(v).toFixed(1)} `;
        pen = "L";
      }
      const legendY = top + M.top + 6 + i * 16;
      return `<path d="${d.trim()}" fill="none" stroke="${line.color}" stroke-width="1.6"/><line x1="${W - M.right + 10}" x2="${W - M.right + 26}" y1="${legendY}" y2="${legendY}" stroke="${line.color}" stroke-width="3"/><text x="${W - M.right + 32}" y="${legendY}" dominant-baseline="middle">${escape(line.label)}</text>`;
    })
    .join("");
  return `<text x="${M.left}" y="${top + 16}" font-weight="bold">${escape(panel.title)}</text><text x="${W - M.right}" y="${top + 16}" text-anchor="end" fill="#555">${escape(panel.unit)}</text>${grid}${xTicks}${lines}`;
}

export function soakChartSvg(title: string, subtitle: string, minutes: number, panels: readonly Panel[]): string {
  const H = 56 + panels.length * PANEL_H + 20;
  const body = panels.map((p, i) => panelSvg(p, 56 + i * PANEL_H, minutes)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>
<text x="${W / 2}" y="38" text-anchor="middle" fill="#555">${escape(subtitle)}</text>
${body}
<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">minutes since the load started</text>
</svg>
`;
}
