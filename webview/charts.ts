// Line charts with uPlot: fast with many points, drawn on canvas. Hovering shows every series' value
// at the cursor; vertical markers show where the network was decomposed and reconstructed, their
// labels stacked so they never collide; y axes are as wide as their labels; points are drawn where
// there are few. Interactive charts (the run view) also zoom (drag) and reset (double-click), and
// export as PNG (the canvas) or SVG (chartSvg.ts, from the data).
import uPlot from 'uplot';
import { axisWidth, formatEpochTicks, formatTicks, formatValue, showPoints, type ValueKind } from './chartAxis';
import { chartToSvg } from './chartSvg';
import { layoutMarkerLabels } from './markerLayout';
import type { Marker } from './series';
import { formatSeconds } from './series';
import { palette } from './theme';

export type XKind = 'epoch' | 'time' | 'step';
export type YKind = ValueKind;

export interface ChartSeries {
  label: string;
  dash?: number[];
  /** Palette index (default: the series' own index), so a layer's K1 and K2 share a colour. */
  color?: number;
  /** Thin and translucent, left out of the legend (raw values under a smoothed line). */
  faint?: boolean;
}

export interface ChartSpec {
  title: string;
  x: XKind;
  y: YKind;
  series: ChartSeries[];
  height?: number;
  /** Drag to zoom, double-click to reset (the run view). */
  zoom?: boolean;
  logY?: boolean;
}

type Data = uPlot.AlignedData;

/** Wall-clock tick labels: seconds for short spans (no repeated "0:02"), m:ss / h:mm:ss beyond. */
export function formatTimeTicks(splits: number[], span: number): string[] {
  if (span < 120) {
    const decimals = splits.some((s) => Math.abs(s - Math.round(s)) > 1e-9) ? 1 : 0;
    return splits.map((s) => `${s.toFixed(decimals)} s`);
  }
  return splits.map((s) => formatSeconds(s));
}

/** The value of series `values` nearest to index `idx` (a series may have gaps where others have points). */
export function nearestValue(
  x: readonly number[],
  values: readonly (number | null | undefined)[],
  idx: number,
): { i: number; v: number } | null {
  const ok = (i: number) => i >= 0 && i < values.length && typeof values[i] === 'number' && Number.isFinite(values[i]);
  if (ok(idx)) return { i: idx, v: values[idx]! };
  for (let d = 1; d < values.length; d++) {
    const l = idx - d;
    const r = idx + d;
    const lOk = ok(l);
    const rOk = ok(r);
    if (lOk && rOk) {
      const pick = Math.abs(x[idx] - x[l]) <= Math.abs(x[r] - x[idx]) ? l : r;
      return { i: pick, v: values[pick]! };
    }
    if (lOk) return { i: l, v: values[l]! };
    if (rOk) return { i: r, v: values[r]! };
    if (l < 0 && r >= values.length) break;
  }
  return null;
}

export function markerX(m: Marker, x: XKind): number | null {
  return x === 'epoch' ? m.epoch : x === 'time' ? m.seconds : (m.step ?? null);
}

function markerPlugin(getMarkers: () => Marker[], x: XKind): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const p = palette();
        const { ctx } = u;
        const { top, height, left, width } = u.bbox;
        const dpr = devicePixelRatio;
        const fontPx = Math.round(10 * dpr);
        const shown = getMarkers()
          .map((m) => ({ m, v: markerX(m, x) }))
          .filter((e): e is { m: Marker; v: number } => e.v !== null)
          .map((e) => ({ ...e, cx: Math.round(u.valToPos(e.v, 'x', true)) }))
          .filter((e) => e.cx >= left && e.cx <= left + width);
        if (!shown.length) return;
        ctx.save();
        ctx.font = `${fontPx}px ${getComputedStyle(document.body).fontFamily}`;
        ctx.textBaseline = 'top';
        ctx.textAlign = 'left'; // uPlot leaves the y axis' 'right' behind, which put labels left of their line
        const texts = shown.map((e) => (e.m.kind === 'decompose' ? 'decomposed' : 'reconstructed'));
        const places = layoutMarkerLabels(
          shown.map((e, i) => ({ x: e.cx, width: ctx.measureText(texts[i]).width })),
          left,
          left + width,
          3 * dpr,
          4 * dpr,
        );
        shown.forEach((e, i) => {
          const color = e.m.kind === 'decompose' ? p.decompose : p.reconstruct;
          ctx.strokeStyle = color;
          ctx.fillStyle = color;
          ctx.lineWidth = dpr;
          ctx.setLineDash([4 * dpr, 3 * dpr]);
          ctx.beginPath();
          ctx.moveTo(e.cx, top);
          ctx.lineTo(e.cx, top + height);
          ctx.stroke();
          ctx.fillText(texts[i], places[i].left, top + 2 * dpr + places[i].row * (fontPx + 2 * dpr));
        });
        ctx.restore();
      },
    },
  };
}

/** A box beside the cursor with the x value and every series' value (nearest point of each). */
function tooltipPlugin(chart: LiveChart): uPlot.Plugin {
  let box: HTMLElement | null = null;
  return {
    hooks: {
      init: (u) => {
        box = document.createElement('div');
        box.className = 'chart-tooltip';
        box.hidden = true;
        u.over.appendChild(box);
        u.over.addEventListener('mouseleave', () => {
          if (box) box.hidden = true;
        });
      },
      setCursor: (u) => {
        if (!box) return;
        const idx = u.cursor.idx;
        if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
          box.hidden = true;
          return;
        }
        chart.fillTooltip(box, idx);
        box.hidden = false;
        const w = box.offsetWidth;
        const h = box.offsetHeight;
        const overW = u.over.clientWidth;
        const left = u.cursor.left + 12 + w > overW ? u.cursor.left - 12 - w : u.cursor.left + 12;
        const top = Math.max(0, Math.min((u.cursor.top ?? 0) - h / 2, u.over.clientHeight - h));
        box.style.transform = `translate(${Math.max(0, left)}px, ${top}px)`;
      },
    },
  };
}

export class LiveChart {
  readonly root: HTMLElement;
  private plot: uPlot | null = null;
  private data: Data;
  private markers: Marker[] = [];
  private readonly observer: ResizeObserver;
  private readonly host: HTMLElement;
  private readonly caption: HTMLElement;

  constructor(readonly spec: ChartSpec) {
    this.root = document.createElement('figure');
    this.root.className = `chart chart-${spec.y}-${spec.x}`;
    this.root.dataset.chart = `${spec.y}-${spec.x}`;
    this.caption = document.createElement('figcaption');
    this.caption.textContent = spec.title;
    this.host = document.createElement('div');
    this.host.className = 'chart-canvas';
    this.root.append(this.caption, this.host);
    this.data = [[], ...spec.series.map(() => [])] as unknown as Data;
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.host);
  }

  /** The caption element, for views that add buttons beside the title. */
  get titleElement(): HTMLElement {
    return this.caption;
  }

  private xTicks(u: uPlot, splits: number[]): string[] {
    if (this.spec.x === 'time') return formatTimeTicks(splits, u.scales.x.max! - u.scales.x.min!);
    if (this.spec.x === 'epoch') return formatEpochTicks(splits);
    return formatTicks('count', splits);
  }

  private options(width: number): uPlot.Options {
    const p = palette();
    const pct = this.spec.y === 'accuracy';
    const dpr = devicePixelRatio;
    const axis = (side: 'x' | 'y'): uPlot.Axis => ({
      stroke: p.foreground,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1, size: 6 },
      font: p.font,
      gap: 4,
      space: side === 'y' ? 22 : 56,
      // Epoch records alone (the dashboard): whole epochs only, no "1.5".
      incrs: side === 'x' && this.spec.x === 'epoch' && !this.spec.zoom ? [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000] : undefined,
      // As wide as the widest label: "100%" is not clipped to "00%".
      size:
        side === 'y'
          ? (u, values) => {
              if (!values?.length) return 40;
              u.ctx.font = p.font;
              return axisWidth(
                values.map((v) => u.ctx.measureText(String(v)).width / dpr),
                6,
                10,
              );
            }
          : 30,
      values:
        side === 'x'
          ? (u, splits) => this.xTicks(u, splits)
          : this.spec.y === 'rank' || this.spec.y === 'count'
            ? (_u, splits) => formatTicks('count', splits)
            : (_u, splits) => formatTicks(this.spec.y, splits),
    });
    const logY = !!this.spec.logY && !pct;
    return {
      width,
      height: this.spec.height ?? 150,
      legend: { show: true, live: false },
      cursor: {
        drag: { x: !!this.spec.zoom, y: false, setScale: !!this.spec.zoom },
        points: { show: false },
      },
      scales: {
        x: { time: false },
        y: logY
          ? { distr: 3 }
          : pct
            ? { range: (_u, min, max) => [Math.max(0, Math.min(min, 0.9) - 0.02), Math.min(1, Math.max(max, 0) + 0.01)] }
            : { auto: true },
      },
      axes: [axis('x'), axis('y')],
      series: [
        { label: this.spec.x },
        ...this.spec.series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: p.series[(s.color ?? i) % p.series.length] + (s.faint ? '55' : ''),
          width: s.faint ? 1 : 1.5,
          dash: s.dash,
          spanGaps: true,
          points: {
            show: (u, si) => showPoints(countFinite(u.data[si] as (number | null)[]), u.bbox.width / dpr),
            size: 5,
          },
        })),
      ],
      hooks: {
        setScale: [
          (u, key) => {
            if (key === 'x') this.updateZoomFlag(u);
          },
        ],
      },
      plugins: [markerPlugin(() => this.markers, this.spec.x), tooltipPlugin(this)],
    };
  }

  /** The colour of series `i` (0-based, without the x series). */
  colorOf(i: number): string {
    const p = palette();
    return p.series[(this.spec.series[i].color ?? i) % p.series.length];
  }

  /** Writes the tooltip for data index `idx`: the x value, then one row per (non-faint) series. */
  fillTooltip(box: HTMLElement, idx: number): void {
    const x = this.data[0] as number[];
    const xv = x[idx];
    const head = document.createElement('div');
    head.className = 'tooltip-x';
    head.textContent =
      this.spec.x === 'epoch'
        ? `epoch ${formatEpochTicks([xv])[0]}`
        : this.spec.x === 'time'
          ? formatSeconds(xv)
          : `step ${Math.round(xv)}`;
    head.dataset.x = String(xv);
    const rows: HTMLElement[] = [head];
    this.spec.series.forEach((s, i) => {
      if (s.faint) return;
      const near = nearestValue(x, this.data[i + 1] as (number | null)[], idx);
      const row = document.createElement('div');
      row.className = 'tooltip-row';
      row.dataset.series = s.label;
      row.dataset.value = near ? String(near.v) : '';
      row.dataset.x = near ? String(x[near.i]) : '';
      const swatch = document.createElement('span');
      swatch.className = 'tooltip-swatch';
      swatch.style.background = this.colorOf(i);
      const at =
        near && near.i !== idx ? ` (at ${this.spec.x === 'time' ? formatSeconds(x[near.i]) : formatEpochTicks([x[near.i]])[0]})` : '';
      row.append(swatch, `${s.label}: ${formatValue(this.spec.y, near?.v)}${at}`);
      rows.push(row);
    });
    box.replaceChildren(...rows);
  }

  private width(): number {
    return Math.max(160, Math.floor(this.host.clientWidth || this.root.clientWidth || 300));
  }

  private ensure(): uPlot {
    if (!this.plot) {
      this.plot = new uPlot(this.options(this.width()), this.data, this.host);
      // Faint series (raw values under a smoothed line) stay out of the legend.
      const faint = new Set(this.spec.series.filter((s) => s.faint).map((s) => s.label));
      this.plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series').forEach((row) => {
        if (faint.has(row.textContent?.trim() ?? '')) row.hidden = true;
      });
    }
    return this.plot;
  }

  /** The uPlot instance (tests and the run view's zoom state). */
  get uplot(): uPlot | null {
    return this.plot;
  }

  setData(x: readonly number[], ys: readonly (readonly (number | null)[])[]): void {
    this.data = [x, ...ys] as unknown as Data;
    // Keep a zoomed-in x range while new points arrive (resetScales false), else follow the data.
    const zoomed = this.isZoomed();
    if (this.plot) this.plot.setData(this.data, !zoomed);
    else this.ensure();
    this.root.dataset.points = String(x.length);
  }

  private isZoomed(): boolean {
    return this.root.dataset.zoomed === 'true';
  }

  /** Back to the whole x range (what double-click does). */
  resetZoom(): void {
    this.root.dataset.zoomed = 'false';
    this.plot?.setData(this.data, true);
  }

  setMarkers(markers: Marker[]): void {
    this.markers = markers;
    this.root.dataset.markers = markers.map((m) => `${m.kind}@${markerX(m, this.spec.x) ?? '?'}`).join(' ');
    this.plot?.redraw(false, false);
  }

  /** Rebuilds with new theme colours (or new spec options, e.g. the log scale). */
  restyle(): void {
    this.plot?.destroy();
    this.plot = null;
    this.root.dataset.zoomed = 'false';
    this.ensure();
  }

  /** Records whether the x scale is narrower than the data (drag zoom), for the live updates and tests. */
  private updateZoomFlag(u: uPlot): void {
    const x = u.data[0] as number[];
    const min = u.scales.x.min ?? 0;
    const max = u.scales.x.max ?? 0;
    const zoomed = x.length > 1 && (min > x[0] + 1e-9 || max < x[x.length - 1] - 1e-9);
    this.root.dataset.zoomed = String(zoomed);
    this.root.dataset.xRange = `${min},${max}`;
  }

  /** The chart as a PNG data URL: the title above the canvas, on the theme's background. */
  toPng(background: string, foreground: string): string {
    const u = this.ensure();
    const src = u.ctx.canvas;
    const dpr = devicePixelRatio;
    const titleH = Math.round(24 * dpr);
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + titleH;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = foreground;
    ctx.font = `bold ${Math.round(13 * dpr)}px ${getComputedStyle(document.body).fontFamily}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(this.spec.title, 8 * dpr, titleH / 2);
    ctx.drawImage(src, 0, titleH);
    return out.toDataURL('image/png');
  }

  /** The chart as an SVG document, of what is visible now (the zoomed range). */
  toSvg(colors: { background: string; foreground: string; grid: string }): string {
    const u = this.ensure();
    const x = this.data[0] as number[];
    const fontSize = parseFloat(getComputedStyle(document.body).fontSize) || 12;
    return chartToSvg({
      title: this.spec.title,
      width: Math.round(u.width),
      height: Math.round(u.height + 24),
      x,
      series: this.spec.series.map((s, i) => ({
        label: s.label,
        color: this.colorOf(i),
        values: this.data[i + 1] as (number | null)[],
        dash: s.dash,
        faint: s.faint,
      })),
      xKind: this.spec.x,
      yKind: this.spec.y,
      xRange: [u.scales.x.min ?? x[0] ?? 0, u.scales.x.max ?? x[x.length - 1] ?? 1],
      yRange: [u.scales.y.min ?? 0, u.scales.y.max ?? 1],
      logY: !!this.spec.logY && this.spec.y !== 'accuracy',
      markers: this.markers.flatMap((m) => {
        const mx = markerX(m, this.spec.x);
        const p = palette();
        return mx === null
          ? []
          : [
              {
                x: mx,
                text: m.kind === 'decompose' ? 'decomposed' : 'reconstructed',
                color: m.kind === 'decompose' ? p.decompose : p.reconstruct,
              },
            ];
      }),
      colors,
      font: { family: getComputedStyle(document.body).fontFamily || 'sans-serif', size: fontSize },
    });
  }

  private resize(): void {
    if (!this.plot) return;
    const w = this.width();
    if (w !== this.plot.width) this.plot.setSize({ width: w, height: this.spec.height ?? 150 });
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}

function countFinite(a: readonly (number | null | undefined)[] | undefined): number {
  let n = 0;
  if (a) for (const v of a) if (typeof v === 'number' && Number.isFinite(v)) n++;
  return n;
}
