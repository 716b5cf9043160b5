/**
 * A small SVG line chart with two y axes (no dependencies): `left` and `right`
 * series over a shared x axis in seconds. Returns the SVG text.
 *
 * @param {{ title: string, xLabel: string, left: Series[], right: Series[] }} chart
 * @typedef {{ label: string, unit: string, color: string, points: Array<[number, number]> }} Series
 */
export function lineChartSvg({ title, xLabel, left, right }) {
  const width = 900;
  const height = 420;
  const pad = { top: 48, right: 90, bottom: 56, left: 90 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const all = [...left, ...right].flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map(([x]) => x));
  const yMax = (series) => niceCeiling(Math.max(1, ...series.flatMap((s) => s.points.map(([, y]) => y))));
  const leftMax = yMax(left);
  const rightMax = yMax(right);
  const px = (x) => pad.left + (x / xMax) * plotW;
  const py = (y, max) => pad.top + plotH - (y / max) * plotH;
  const path = (s, max) => s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y, max).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escape(title)}</text>`,
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks) {
    const y = pad.top + plotH - t * plotH;
    out.push(`<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end" fill="${left[0]?.color ?? '#000'}">${fmt(t * leftMax)}</text>`);
    out.push(`<text x="${pad.left + plotW + 6}" y="${y + 4}" fill="${right[0]?.color ?? '#000'}">${fmt(t * rightMax)}</text>`);
    const x = pad.left + t * plotW;
    out.push(`<text x="${x}" y="${pad.top + plotH + 18}" text-anchor="middle">${fmt(t * xMax)}</text>`);
  }
  out.push(`<text x="${pad.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escape(xLabel)}</text>`);
  const legend = [...left, ...right].map((s) => `<tspan fill="${s.color}">■ ${escape(s.label)} (${escape(s.unit)})</tspan>`).join('   ');
  out.push(`<text x="${pad.left}" y="${pad.top - 10}">${legend}</text>`);
  for (const s of left) out.push(`<path d="${path(s, leftMax)}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  for (const s of right) out.push(`<path d="${path(s, rightMax)}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="6 3"/>`);
  out.push('</svg>');
  return out.join('\n');
}

function niceCeiling(v) {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

const fmt = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k` : v.toFixed(v < 10 && v > 0 ? 1 : 0));
const escape = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
