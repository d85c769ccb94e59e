// Small hand-written SVG charts: lines over a numeric axis, and grouped bars.
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(2));

function ticks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= count) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

export interface Series {
  name: string;
  points: [number, number][];
}

export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series[]; logX?: boolean; width?: number; height?: number; yMin?: number }): string {
  const W = o.width ?? 640;
  const H = o.height ?? 360;
  const L = 64,
    R = 170,
    T = 36,
    B = 48;
  const all = o.series.flatMap((s) => s.points);
  const tx = (x: number) => (o.logX ? Math.log10(Math.max(x, 1e-3)) : x);
  const xs = all.map((p) => tx(p[0]));
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs);
  const y0 = o.yMin ?? Math.min(0, ...ys),
    y1 = Math.max(...ys) * 1.05 || 1;
  const px = (x: number) => L + ((tx(x) - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2 - R / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  const xt = o.logX ? [0.1, 1, 10, 100, 1000, 10000].filter((v) => Math.log10(v) >= x0 - 1e-9 && Math.log10(v) <= x1 + 1e-9) : ticks(x0, x1);
  for (const v of xt) parts.push(`<line x1="${px(v)}" x2="${px(v)}" y1="${T}" y2="${H - B}" stroke="#eee"/><text x="${px(v)}" y="${H - B + 14}" text-anchor="middle">${fmt(v)}</text>`);
  for (const v of ticks(y0, y1)) parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/><text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    if (s.points.length <= 12) for (const p of s.points) parts.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${c}"/>`);
    parts.push(`<rect x="${W - R + 12}" y="${T + i * 18}" width="12" height="3" fill="${c}"/><text x="${W - R + 28}" y="${T + i * 18 + 5}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Groups of bars: one group per metric, one bar per series; values are drawn as given with labels. */
export function barChart(o: { title: string; yLabel: string; groups: string[]; series: { name: string; values: number[]; labels?: string[] }[]; width?: number; height?: number }): string {
  const W = o.width ?? 720;
  const H = o.height ?? 360;
  const L = 56,
    R = 200,
    T = 36,
    B = 44;
  const max = Math.max(...o.series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.15 || 1;
  const py = (y: number) => H - B - (y / max) * (H - T - B);
  const gw = (W - L - R) / o.groups.length;
  const bw = (gw * 0.8) / o.series.length;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/><text x="${(W - R) / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  for (const v of ticks(0, max)) parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/><text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  parts.push(`<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  o.groups.forEach((g, gi) => {
    const gx = L + gi * gw + gw * 0.1;
    o.series.forEach((s, si) => {
      const v = s.values[gi] ?? 0;
      if (!Number.isFinite(v)) return;
      const x = gx + si * bw;
      parts.push(`<rect x="${x.toFixed(1)}" y="${py(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(H - B - py(v)).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`);
      parts.push(`<text x="${(x + bw / 2).toFixed(1)}" y="${(py(v) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${esc(s.labels?.[gi] ?? fmt(v))}</text>`);
    });
    parts.push(`<text x="${gx + (bw * o.series.length) / 2}" y="${H - B + 16}" text-anchor="middle">${esc(g)}</text>`);
  });
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`);
  o.series.forEach((s, i) => parts.push(`<rect x="${W - R + 12}" y="${T + i * 18 - 6}" width="12" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${W - R + 28}" y="${T + i * 18 + 3}">${esc(s.name)}</text>`));
  parts.push('</svg>');
  return parts.join('\n');
}
