// The study's figures (the paper's Figures 3–6): validation accuracy of every scenario against
// wall-clock time, and against epoch, in one chart each. Vega-Lite specs rendered to SVG by Vega
// in Node (renderer 'none': no canvas, text widths estimated), bundled into dist/cli.js.
import type { EpochMetrics } from '../runs/types';

export interface PlotSeries {
  /** Legend entry: the scenario in words. */
  label: string;
  metrics: readonly EpochMetrics[];
}

export interface PlotFile {
  file: string;
  title: string;
  svg: string;
}

type Point = { scenario: string; epoch: number; time: number; accuracy: number };

function points(series: readonly PlotSeries[], timeScale: number): Point[] {
  const out: Point[] = [];
  for (const s of series)
    for (const m of s.metrics) {
      const a = m.valAccuracy ?? m.trainAccuracy;
      if (Number.isFinite(a)) out.push({ scenario: s.label, epoch: m.epoch, time: m.seconds / timeScale, accuracy: a * 100 });
    }
  return out;
}

/** A Vega-Lite spec: one line per scenario, legend in scenario order. Exported for the tests. */
export function accuracySpec(series: readonly PlotSeries[], x: 'time' | 'epoch'): { spec: Record<string, unknown>; title: string } {
  const longest = Math.max(0, ...series.flatMap((s) => s.metrics.map((m) => m.seconds)));
  const minutes = longest >= 120;
  const title = x === 'time' ? 'Validation accuracy vs wall-clock time' : 'Validation accuracy vs epoch';
  const xTitle = x === 'epoch' ? 'epoch' : minutes ? 'wall-clock time (minutes)' : 'wall-clock time (seconds)';
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 640,
    height: 360,
    background: 'white',
    data: { values: points(series, minutes ? 60 : 1) },
    mark: { type: 'line', point: { size: 24 }, strokeWidth: 2 },
    encoding: {
      x: {
        field: x,
        type: 'quantitative',
        title: xTitle,
        // Time from the start (the paper's figures); epochs as whole numbers.
        ...(x === 'epoch' ? { axis: { tickMinStep: 1, format: 'd' } } : { scale: { zero: true } }),
      },
      y: { field: 'accuracy', type: 'quantitative', title: 'validation accuracy (%)', scale: { zero: false } },
      color: {
        field: 'scenario',
        type: 'nominal',
        title: 'scenario',
        sort: series.map((s) => s.label),
        legend: { orient: 'bottom', columns: 2, labelLimit: 360 },
      },
      order: { field: x === 'epoch' ? 'epoch' : 'time', type: 'quantitative' },
    },
    config: { font: 'sans-serif', view: { stroke: null } },
  };
  return { spec, title };
}

async function render(spec: Record<string, unknown>): Promise<string> {
  // Loaded on first use: `train` and `resume` never pay for the plotting libraries.
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Both figures as SVG text. */
export async function renderAccuracyPlots(series: readonly PlotSeries[]): Promise<PlotFile[]> {
  const out: PlotFile[] = [];
  for (const [file, x] of [
    ['accuracy-vs-time.svg', 'time'],
    ['accuracy-vs-epoch.svg', 'epoch'],
  ] as const) {
    const { spec, title } = accuracySpec(series, x);
    out.push({ file, title, svg: await render(spec) });
  }
  return out;
}
