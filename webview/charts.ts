// Live line charts with uPlot: fast with many points, drawn on canvas. Vertical markers show where
// the network was decomposed and reconstructed.
import uPlot from 'uplot';
import type { Marker } from './series';
import { formatSeconds } from './series';
import { palette } from './theme';

export type XKind = 'epoch' | 'time';
export type YKind = 'accuracy' | 'loss' | 'rank';

export interface ChartSeries {
  label: string;
  dash?: number[];
  /** Palette index (default: the series' own index), so a layer's K1 and K2 share a colour. */
  color?: number;
}

export interface ChartSpec {
  title: string;
  x: XKind;
  y: YKind;
  series: ChartSeries[];
  height?: number;
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

function markerPlugin(getMarkers: () => Marker[], x: XKind): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const markers = getMarkers();
        if (!markers.length) return;
        const p = palette();
        const { ctx } = u;
        const { top, height, left, width } = u.bbox;
        ctx.save();
        ctx.font = `${Math.round(10 * devicePixelRatio)}px ${getComputedStyle(document.body).fontFamily}`;
        ctx.textBaseline = 'top';
        for (const m of markers) {
          const v = x === 'epoch' ? m.epoch : m.seconds;
          const cx = Math.round(u.valToPos(v, 'x', true));
          if (cx < left || cx > left + width) continue;
          const color = m.kind === 'decompose' ? p.decompose : p.reconstruct;
          ctx.strokeStyle = color;
          ctx.fillStyle = color;
          ctx.lineWidth = devicePixelRatio;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(cx, top);
          ctx.lineTo(cx, top + height);
          ctx.stroke();
          const text = m.kind === 'decompose' ? 'decomposed' : 'reconstructed';
          const tw = ctx.measureText(text).width;
          const tx = cx + 3 * devicePixelRatio + tw > left + width ? cx - 3 * devicePixelRatio - tw : cx + 3 * devicePixelRatio;
          ctx.fillText(text, tx, top + 2 * devicePixelRatio);
        }
        ctx.restore();
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

  constructor(readonly spec: ChartSpec) {
    this.root = document.createElement('figure');
    this.root.className = `chart chart-${spec.y}-${spec.x}`;
    this.root.dataset.chart = `${spec.y}-${spec.x}`;
    const caption = document.createElement('figcaption');
    caption.textContent = spec.title;
    this.host = document.createElement('div');
    this.host.className = 'chart-canvas';
    this.root.append(caption, this.host);
    this.data = [[], ...spec.series.map(() => [])] as unknown as Data;
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.host);
  }

  private options(width: number): uPlot.Options {
    const p = palette();
    const pct = this.spec.y === 'accuracy';
    const axis = (side: 'x' | 'y'): uPlot.Axis => ({
      stroke: p.foreground,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1 },
      font: p.font,
      size: side === 'y' ? 44 : 30,
      values:
        side === 'x'
          ? this.spec.x === 'time'
            ? (u, splits) => formatTimeTicks(splits, u.scales.x.max! - u.scales.x.min!)
            : (_u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : ''))
          : this.spec.y === 'rank'
            ? (_u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : ''))
            : pct
              ? (_u, splits) => splits.map((s) => `${Math.round(s * 100)}%`)
              : undefined,
    });
    return {
      width,
      height: this.spec.height ?? 150,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: { time: false },
        y: pct
          ? { range: (_u, min, max) => [Math.max(0, Math.min(min, 0.9) - 0.02), Math.min(1, Math.max(max, 0) + 0.01)] }
          : { auto: true },
      },
      axes: [axis('x'), axis('y')],
      series: [
        { label: this.spec.x === 'epoch' ? 'epoch' : 'seconds' },
        ...this.spec.series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: p.series[(s.color ?? i) % p.series.length],
          width: 1.5,
          dash: s.dash,
          spanGaps: true,
          points: { show: false },
        })),
      ],
      plugins: [markerPlugin(() => this.markers, this.spec.x)],
    };
  }

  private width(): number {
    return Math.max(160, Math.floor(this.host.clientWidth || this.root.clientWidth || 300));
  }

  private ensure(): uPlot {
    if (!this.plot) this.plot = new uPlot(this.options(this.width()), this.data, this.host);
    return this.plot;
  }

  setData(x: readonly number[], ys: readonly (readonly (number | null)[])[]): void {
    this.data = [x, ...ys] as unknown as Data;
    if (this.plot) this.plot.setData(this.data, true);
    else this.ensure();
  }

  setMarkers(markers: Marker[]): void {
    this.markers = markers;
    this.root.dataset.markers = markers.map((m) => `${m.kind}@${this.spec.x === 'epoch' ? m.epoch : m.seconds}`).join(' ');
    this.plot?.redraw(false, false);
  }

  /** Rebuilds with new theme colours. */
  restyle(): void {
    this.plot?.destroy();
    this.plot = null;
    this.ensure();
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
