// The comparison panel: the paper-style table, and the accuracy curves of all runs overlaid against
// epoch and against wall-clock time (the paper's Figures 3–6).
import uPlot from 'uplot';
import { FromWebview, ToWebview, type ComparisonCurve, type HostToWebviewMessage } from '../src/protocol';
import { COMPARISON_HEADERS, formatRow, type Comparison } from '../src/runs/compare';
import { LiveChart } from './charts';
import { h } from './dom';
import { send } from './vscodeApi';

/** Column titles that fit the panel; the full ones (COMPARISON_HEADERS, also used by the exports) are tooltips. */
const SHORT_HEADERS = ['Run', 'Scenario', 'Status', 'Epochs', 'Best acc.', 'Final acc.', 'Params', 'Time', 'Speedup', 'Δ accuracy'];

export class CompareView {
  private charts: LiveChart[] = [];
  private readonly table = h('section', { class: 'compare-table' });
  private readonly chartBox = h('section', { class: 'compare-chart' });

  constructor(root: HTMLElement) {
    const md = h('vscode-button', { secondary: true }, 'Export Markdown');
    md.addEventListener('click', () => send({ type: FromWebview.Export, format: 'markdown' }));
    const csv = h('vscode-button', { secondary: true }, 'Export CSV');
    csv.addEventListener('click', () => send({ type: FromWebview.Export, format: 'csv' }));
    root.append(
      h('header', { class: 'compare-header' }, h('h2', {}, 'Compare runs'), h('div', { class: 'actions' }, md, csv)),
      h(
        'p',
        { class: 'hint' },
        'Speedup = baseline training time ÷ run training time; accuracy change in percentage points against the baseline. Click a run name to make it the baseline.',
      ),
      this.table,
      this.chartBox,
    );
  }

  handle(m: HostToWebviewMessage): void {
    if (m.type !== ToWebview.Comparison) return;
    this.renderTable(m.comparison);
    this.renderChart(m.curves);
  }

  private renderTable(c: Comparison): void {
    const rows = c.rows.map((r) => {
      const cells = formatRow(r);
      const name = h('a', { href: '#', class: 'set-baseline', title: r.isBaseline ? 'the baseline' : 'use as baseline' }, cells[0]);
      name.addEventListener('click', (e) => {
        e.preventDefault();
        send({ type: FromWebview.SetBaseline, runId: r.id });
      });
      return h(
        'vscode-table-row',
        { class: r.isBaseline ? 'baseline' : null, 'data-run': r.id },
        h('vscode-table-cell', { title: cells[0] }, name),
        ...cells.slice(1).map((x) => h('vscode-table-cell', { title: x }, x)),
      );
    });
    this.table.replaceChildren(
      h(
        'vscode-table',
        {
          zebra: true,
          'bordered-rows': true,
          resizable: true,
          responsive: true,
          breakpoint: 640,
          columns: JSON.stringify(['14%', '22%', '8%', '6%', '8%', '8%', '11%', '8%', '8%', 'auto']),
        },
        h(
          'vscode-table-header',
          { slot: 'header' },
          ...COMPARISON_HEADERS.map((x, i) => h('vscode-table-header-cell', { title: x }, SHORT_HEADERS[i] ?? x)),
        ),
        h('vscode-table-body', { slot: 'body' }, ...rows),
      ),
    );
  }

  /** The same curves against epoch and against wall-clock time, each chart with every run. */
  private renderChart(curves: ComparisonCurve[]): void {
    for (const c of this.charts) c.destroy();
    const axes = ['epoch', 'time'] as const;
    this.charts = axes.map(
      (x) =>
        new LiveChart({
          title: x === 'epoch' ? 'Accuracy vs epoch' : 'Accuracy vs wall-clock time',
          x,
          y: 'accuracy',
          series: curves.map((c) => ({ label: c.name })),
          height: 280,
        }),
    );
    this.chartBox.replaceChildren(...this.charts.map((c) => c.root)); // attached first: uPlot sizes to the box
    if (!curves.length) return;
    axes.forEach((x, i) => {
      const joined = uPlot.join(curves.map((c) => [x === 'epoch' ? c.epochs : c.seconds, c.accuracy] as uPlot.AlignedData));
      const [xs, ...ys] = joined as unknown as [number[], ...(number | null)[][]];
      this.charts[i].setData(xs, ys);
    });
  }
}
