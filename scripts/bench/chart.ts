// The bench chart: milliseconds per image (log scale) against batch size (log 2) for G and
// F's exact decoder, as a standalone SVG (no library, so `npm run bench` needs nothing more).

import type { SamplerPoint } from "./kernels.js";

const W = 640;
const H = 400;
const M = { left: 70, right: 150, top: 50, bottom: 50 };

export function chartSvg(points: readonly SamplerPoint[], title: string): string {
  const xs = points.map((p) => Math.log2(p.batch));
  const ys = points.flatMap((p) => [p.g_ms_per_image, p.exact_ms_per_image]).filter((v) => v > 0);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (batch: number) => M.left + ((Math.log2(batch) - x0) / Math.max(1e-9, x1 - x0)) * (W - M.left - M.right);
  const py = (ms: number) => H - M.bottom - ((Math.log10(ms) - y0) / Math.max(1e-9, y1 - y0)) * (H - M.top - M.bottom);
  const line = (key: "g_ms_per_image" | "exact_ms_per_image", color: string, label: string) => {
    const d = points
      .map((p, i) => `${i === 0 ? "M" : "L"}${px(p.batch).toFixed(1)},${py(p[key]).toFixed(1)}`)
      .join(" ");
    const dots = points
      .map((p) => `<circle cx="${px(p.batch).toFixed(1)}" cy="${py(p[key]).toFixed(1)}" r="3" fill="${color}"/>`)
      .join("");
    const last = points[points.length - 1];
    const ly = last === undefined ? 0 : py(last[key]);
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${dots}<text x="${W - M.right + 10}" y="${ly.toFixed(1)}" fill="${color}" dominant-baseline="middle">${label}</text>`;
  };
  const yTicks = Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i)
    .map((e) => {
      const y = py(10 ** e).toFixed(1);
      return `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${M.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`;
    })
    .join("");
  const xTicks = points
    .map((p) => `<text x="${px(p.batch).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${p.batch}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Time per image vs batch size: ${title}</text>
<text x="${W / 2}" y="33" text-anchor="middle" fill="#555">onnxruntime-node CPU, 1 thread, guidance on for both</text>
${yTicks}${xTicks}
<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">batch size</text>
<text x="18" y="${H / 2}" text-anchor="middle" transform="rotate(-90 18 ${H / 2})">ms per image (log)</text>
${line("exact_ms_per_image", "#c0392b", "exact decoder")}
${line("g_ms_per_image", "#2471a3", "G (1 pass)")}
</svg>
`;
}
