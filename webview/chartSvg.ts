// "Save as SVG" for a chart, pure (no DOM): a standalone SVG document built from the series data
// and the visible ranges (the zoom), with axes, grid, legend and markers, in the theme's colours.
import { formatEpochTicks, formatTicks, type ValueKind } from './chartAxis';
import { layoutMarkerLabels } from './markerLayout';

export interface SvgSeries {
  label: string;
  color: string;
  values: readonly (number | null)[];
  dash?: number[];
  /** Drawn thin and translucent (the raw values under a smoothed line). */
  faint?: boolean;
}

export interface SvgChart {
  title: string;
  width: number;
  height: number;
  x: readonly number[];
  series: readonly SvgSeries[];
  xKind: 'epoch' | 'step' | 'time';
  yKind: ValueKind;
  xRange: [number, number];
  yRange: [number, number];
  logY: boolean;
  markers: readonly { x: number; text: string; color: string }[];
  colors: { background: string; foreground: string; grid: string };
  font: { family: string; size: number };
}

/** Round tick values covering [min, max], about `count` of them (1, 2, 2.5, 5 × 10^k steps). */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Powers of ten inside [min, max] (min > 0); with fewer than 3, the 2× and 5× values as well. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [];
  const decades: number[] = [];
  for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) decades.push(10 ** k);
  const inside = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const powers = decades.filter(inside);
  if (powers.length >= 3) return powers;
  return decades
    .flatMap((d) => [d, 2 * d, 5 * d])
    .filter(inside)
    .map((v) => +v.toPrecision(12));
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function xTickLabels(kind: SvgChart['xKind'], ticks: number[]): string[] {
  if (kind === 'epoch') return formatEpochTicks(ticks);
  if (kind === 'time') return ticks.map((t) => `${+t.toPrecision(6)} s`);
  return formatTicks('count', ticks);
}

/** The chart as an SVG document. */
export function chartToSvg(c: SvgChart): string {
  const fs = c.font.size;
  const charW = fs * 0.6;
  const yTickValues = c.logY ? logTicks(c.yRange[0], c.yRange[1]) : niceTicks(c.yRange[0], c.yRange[1], 6);
  const yLabels = formatTicks(c.yKind, yTickValues);
  const left = Math.ceil(Math.max(...yLabels.map((l) => l.length), 1) * charW) + 14;
  const top = fs * 2 + 10;
  const legendH = fs + 12;
  const bottom = fs + 16 + legendH;
  const right = 16;
  const pw = c.width - left - right;
  const ph = c.height - top - bottom;
  const [x0, x1] = c.xRange;
  const [y0, y1] = c.yRange;
  const tx = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const ty = c.logY
    ? (v: number) => top + ph - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1)) * ph
    : (v: number) => top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const f = (n: number) => n.toFixed(2);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${c.width}" height="${c.height}" viewBox="0 0 ${c.width} ${c.height}" font-family="${escapeXml(c.font.family)}" font-size="${fs}">`,
    `<rect width="100%" height="100%" fill="${escapeXml(c.colors.background)}"/>`,
    `<text x="${left}" y="${fs + 4}" fill="${escapeXml(c.colors.foreground)}" font-weight="bold">${escapeXml(c.title)}</text>`,
    `<defs><clipPath id="plot"><rect x="${left}" y="${top}" width="${f(pw)}" height="${f(ph)}"/></clipPath></defs>`,
  );
  yTickValues.forEach((v, i) => {
    const y = f(ty(v));
    parts.push(
      `<line x1="${left}" x2="${f(left + pw)}" y1="${y}" y2="${y}" stroke="${escapeXml(c.colors.grid)}"/>`,
      `<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="${escapeXml(c.colors.foreground)}">${escapeXml(yLabels[i])}</text>`,
    );
  });
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(pw / 80)));
  const xLabels = xTickLabels(c.xKind, xTicks);
  xTicks.forEach((v, i) => {
    const x = f(tx(v));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${top}" y2="${f(top + ph)}" stroke="${escapeXml(c.colors.grid)}"/>`,
      `<text x="${x}" y="${f(top + ph + fs + 4)}" text-anchor="middle" fill="${escapeXml(c.colors.foreground)}">${escapeXml(xLabels[i])}</text>`,
    );
  });
  parts.push(`<g clip-path="url(#plot)">`);
  for (const s of c.series) {
    const pts: [number, number][] = [];
    s.values.forEach((v, i) => {
      const x = c.x[i];
      if (v === null || !Number.isFinite(v) || (c.logY && v <= 0)) return;
      pts.push([tx(x), ty(v)]);
    });
    if (!pts.length) continue;
    const dash = s.dash?.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    const look = s.faint ? ` stroke-width="1" stroke-opacity="0.35"` : ` stroke-width="1.5"`;
    parts.push(
      `<path d="${pts.map(([x, y], i) => `${i ? 'L' : 'M'}${f(x)} ${f(y)}`).join(' ')}" fill="none" stroke="${escapeXml(s.color)}"${look}${dash} aria-label="${escapeXml(s.label)}"/>`,
    );
    if (pts.length <= 1 || pw / pts.length >= 12)
      for (const [x, y] of pts) parts.push(`<circle cx="${f(x)}" cy="${f(y)}" r="2.5" fill="${escapeXml(s.color)}"/>`);
  }
  parts.push('</g>');
  const visible = c.markers.filter((m) => m.x >= x0 && m.x <= x1);
  const places = layoutMarkerLabels(
    visible.map((m) => ({ x: tx(m.x), width: m.text.length * charW })),
    left,
    left + pw,
  );
  visible.forEach((m, i) => {
    const x = f(tx(m.x));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${top}" y2="${f(top + ph)}" stroke="${escapeXml(m.color)}" stroke-dasharray="4 3"/>`,
      `<text x="${f(places[i].left)}" y="${f(top + 2 + (places[i].row + 0.8) * (fs + 2))}" fill="${escapeXml(m.color)}">${escapeXml(m.text)}</text>`,
    );
  });
  let lx = left;
  const ly = c.height - legendH / 2;
  for (const s of c.series) {
    if (s.faint) continue;
    const dash = s.dash?.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${escapeXml(s.color)}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 22}" y="${ly}" dominant-baseline="middle" fill="${escapeXml(c.colors.foreground)}">${escapeXml(s.label)}</text>`,
    );
    lx += 22 + s.label.length * charW + 16;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
