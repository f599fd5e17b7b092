// The experiments table (Compare runs): one row per run with its setup and results, sortable by
// clicking a header, filterable, columns chosen by the user (kept in the webview state), a
// baseline picker, warnings on rows that do not compare like with like, and overlays of the
// selected runs' accuracy and loss against epoch and wall-clock time. The rules (columns, sort,
// filter, comparability) are src/runs/experimentsTable.ts and src/runs/comparability.ts.
import uPlot from 'uplot';
import { FromWebview, ToWebview, type ComparisonCurve, type HostToWebviewMessage } from '../src/protocol';
import type { Comparison, ComparisonRow } from '../src/runs/compare';
import {
  COLUMNS,
  filterRows,
  nextSort,
  shownColumns,
  sortRows,
  type Column,
  type ColumnId,
  type SortOrder,
} from '../src/runs/experimentsTable';
import { LiveChart } from './charts';
import { h, setText } from './dom';
import { cssVar, onThemeChange } from './theme';
import { getState, send, setState } from './vscodeApi';

interface CompareState {
  columns?: ColumnId[];
  sort?: SortOrder | null;
  filter?: string;
  /** Runs left out of the overlays (unticked). */
  hidden?: string[];
}

const OVERLAYS = [
  { title: 'Accuracy vs epoch', x: 'epoch', y: 'accuracy' },
  { title: 'Accuracy vs wall-clock time', x: 'time', y: 'accuracy' },
  { title: 'Loss vs epoch', x: 'epoch', y: 'loss' },
  { title: 'Loss vs wall-clock time', x: 'time', y: 'loss' },
] as const;

/** Relative column widths (the table splits its width by these), so names and schedules get room. */
const WEIGHT: Partial<Record<ColumnId, number>> = {
  name: 15,
  scenario: 15,
  params: 10,
  model: 8,
  dataset: 9,
  started: 10,
  tags: 9,
  speedup: 9,
  status: 10,
  backend: 9,
  rankPolicy: 7,
  epochs: 7,
  change: 9,
  best: 7,
  final: 7,
};

function columnWidths(cols: readonly Column[]): string[] {
  const w = [4, ...cols.map((c) => WEIGHT[c.id] ?? 6)];
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => `${((100 * x) / total).toFixed(2)}%`);
}

export class CompareView {
  private charts: LiveChart[] = [];
  private comparison: Comparison = { baselineId: null, rows: [] };
  private curves: ComparisonCurve[] = [];
  private state: CompareState = getState<CompareState>();
  private readonly filterInput = h('input', {
    type: 'search',
    class: 'filter',
    placeholder: 'Filter runs: words in any column, or column:value (status:completed, ranks:stable)',
    'aria-label': 'Filter runs',
  });
  private readonly count = h('span', { class: 'count' });
  private readonly baselinePicker = h('select', { class: 'baseline-picker', 'aria-label': 'Baseline run' });
  private readonly columnChooser = h('details', { class: 'column-chooser' });
  private readonly table = h('section', { class: 'compare-table' });
  private readonly notes = h('ul', { class: 'compare-notes' });
  private readonly chartBox = h('section', { class: 'compare-chart' });
  private readonly saved = h('span', { class: 'saved', role: 'status' });

  constructor(root: HTMLElement) {
    const md = h('vscode-button', { secondary: true }, 'Export Markdown');
    md.addEventListener('click', () => send({ type: FromWebview.Export, format: 'markdown' }));
    const csv = h('vscode-button', { secondary: true }, 'Export CSV');
    csv.addEventListener('click', () => send({ type: FromWebview.Export, format: 'csv' }));
    const png = h('vscode-button', { secondary: true, class: 'save-plots' }, 'Save plots as PNG');
    png.addEventListener('click', () => this.savePlots());
    this.filterInput.value = this.state.filter ?? '';
    this.filterInput.addEventListener('input', () => {
      this.save({ filter: this.filterInput.value });
      this.renderTable();
    });
    this.baselinePicker.addEventListener('change', () => send({ type: FromWebview.SetBaseline, runId: this.baselinePicker.value }));
    root.append(
      h('header', { class: 'compare-header' }, h('h2', {}, 'Experiments'), h('div', { class: 'actions' }, md, csv, png)),
      h(
        'div',
        { class: 'compare-toolbar' },
        h('label', {}, 'Baseline ', this.baselinePicker),
        this.filterInput,
        this.count,
        this.columnChooser,
      ),
      h(
        'p',
        { class: 'hint' },
        'Speedup = baseline training time ÷ run training time; Δ accuracy in percentage points against the baseline. Click a header to sort, a run name to make it the baseline; untick a run to leave it out of the plots.',
      ),
      this.table,
      this.notes,
      this.chartBox,
      this.saved,
    );
    onThemeChange(() => {
      for (const c of this.charts) c.restyle();
    });
  }

  handle(m: HostToWebviewMessage): void {
    if (m.type === ToWebview.Comparison) {
      this.comparison = m.comparison;
      this.curves = m.curves;
      this.renderBaselinePicker();
      this.renderColumnChooser();
      this.renderTable();
      this.renderCharts();
    } else if (m.type === ToWebview.Saved) {
      setText(this.saved, m.path ? `Saved to ${m.path}` : (m.error ?? ''));
    }
  }

  private save(patch: Partial<CompareState>): void {
    this.state = { ...this.state, ...patch };
    setState(this.state);
  }

  private get columns(): Column[] {
    return shownColumns(this.state.columns);
  }

  private renderBaselinePicker(): void {
    this.baselinePicker.replaceChildren(
      ...this.comparison.rows.map((r) => {
        const o = h('option', { value: r.id }, r.name);
        o.selected = r.isBaseline;
        return o;
      }),
    );
  }

  private renderColumnChooser(): void {
    const shown = new Set(this.columns.map((c) => c.id));
    this.columnChooser.replaceChildren(
      h('summary', {}, 'Columns…'),
      h(
        'div',
        { class: 'column-list' },
        ...COLUMNS.map((c) => {
          const box = h('input', { type: 'checkbox', 'data-column': c.id });
          box.checked = shown.has(c.id);
          box.addEventListener('change', () => {
            const next = COLUMNS.filter((x) => (x.id === c.id ? box.checked : shown.has(x.id))).map((x) => x.id);
            this.save({ columns: next });
            this.renderColumnChooser();
            this.renderTable();
            this.columnChooser.open = true;
          });
          return h('label', { title: c.description }, box, ` ${c.title}`);
        }),
      ),
    );
  }

  private renderTable(): void {
    const cols = this.columns;
    const all = this.comparison.rows;
    const rows = sortRows(filterRows(all, this.state.filter ?? ''), this.state.sort ?? null);
    setText(this.count, rows.length === all.length ? `${all.length} runs` : `${rows.length} of ${all.length} runs`);
    const hidden = new Set(this.state.hidden ?? []);
    const sort = this.state.sort ?? null;
    const header = cols.map((c) => {
      const mark = sort?.column === c.id ? (sort.descending ? ' ▼' : ' ▲') : '';
      const cell = h(
        'vscode-table-header-cell',
        {
          title: `${c.title}: ${c.description} — click to sort`,
          class: `sortable${c.numeric ? ' numeric' : ''}`,
          'data-column': c.id,
          'aria-sort': sort?.column === c.id ? (sort.descending ? 'descending' : 'ascending') : null,
        },
        `${c.title}${mark}`,
      );
      cell.addEventListener('click', () => {
        this.save({ sort: nextSort(this.state.sort ?? null, c.id) });
        this.renderTable();
      });
      return cell;
    });
    const body = rows.map((r) => this.renderRow(r, cols, hidden));
    this.table.replaceChildren(
      h(
        'vscode-table',
        { zebra: true, 'bordered-rows': true, resizable: true, columns: JSON.stringify(columnWidths(cols)) },
        h(
          'vscode-table-header',
          { slot: 'header' },
          h('vscode-table-header-cell', { class: 'plot-col', title: 'shown in the plots' }, 'Plot'),
          ...header,
        ),
        h('vscode-table-body', { slot: 'body' }, ...body),
      ),
    );
    this.notes.replaceChildren(
      ...all
        .filter((r) => r.warnings.length)
        .map((r) => h('li', { class: 'warning', 'data-run': r.id }, `⚠ ${r.name}: ${r.warnings.join('; ')}.`)),
    );
  }

  private renderRow(r: ComparisonRow, cols: Column[], hidden: Set<string>): HTMLElement {
    const box = h('input', { type: 'checkbox', 'aria-label': `plot ${r.name}` });
    box.checked = !hidden.has(r.id);
    box.addEventListener('change', () => {
      const next = new Set(this.state.hidden ?? []);
      if (box.checked) next.delete(r.id);
      else next.add(r.id);
      this.save({ hidden: [...next] });
      this.renderCharts();
    });
    const cells = cols.map((c) => {
      const text = c.text(r);
      if (c.id !== 'name') return h('vscode-table-cell', { title: text, 'data-column': c.id, class: c.numeric ? 'numeric' : null }, text);
      const link = h('a', { href: '#', class: 'set-baseline', title: r.isBaseline ? 'the baseline' : 'use as baseline' }, text);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        send({ type: FromWebview.SetBaseline, runId: r.id });
      });
      const warn = r.warnings.length ? h('span', { class: 'warn-mark', title: r.warnings.join('\n') }, '⚠ ') : null;
      return h('vscode-table-cell', { title: [text, ...r.warnings].join('\n'), 'data-column': c.id }, warn, link);
    });
    const classes = [r.isBaseline ? 'baseline' : '', r.warnings.length ? 'not-comparable' : ''].filter(Boolean).join(' ');
    return h(
      'vscode-table-row',
      { class: classes || null, 'data-run': r.id },
      h('vscode-table-cell', { class: 'plot-col' }, box),
      ...cells,
    );
  }

  /** Every overlay with every ticked run, colours in table order so a run keeps its colour. */
  private renderCharts(): void {
    for (const c of this.charts) c.destroy();
    const hidden = new Set(this.state.hidden ?? []);
    const curves = this.curves.filter((c) => !hidden.has(c.id));
    this.charts = OVERLAYS.map(
      (o) =>
        new LiveChart({
          title: o.title,
          x: o.x,
          y: o.y,
          series: curves.map((c) => ({ label: c.name, color: this.curves.indexOf(c) })),
          height: 260,
        }),
    );
    this.chartBox.replaceChildren(...this.charts.map((c) => c.root)); // attached first: uPlot sizes to the box
    if (!curves.length) return;
    OVERLAYS.forEach((o, i) => {
      const joined = uPlot.join(
        curves.map((c) => [o.x === 'epoch' ? c.epochs : c.seconds, o.y === 'accuracy' ? c.accuracy : c.loss] as uPlot.AlignedData),
      );
      const [xs, ...ys] = joined as unknown as [number[], ...(number | null)[][]];
      this.charts[i].setData(xs, ys);
    });
  }

  /** All overlays in one PNG (2 × 2, titles and legends as shown), saved where the user says. */
  private savePlots(): void {
    const parts = this.charts.map((c) => c.root).filter((r) => r.querySelector('canvas'));
    if (!parts.length) return;
    const dpr = devicePixelRatio;
    const canvases = parts.map((r) => r.querySelector('canvas')!);
    const w = Math.max(...canvases.map((c) => c.width));
    const hgt = Math.max(...canvases.map((c) => c.height));
    const titleH = Math.round(24 * dpr);
    const legendH = Math.round(22 * dpr);
    const cols = 2;
    const rows = Math.ceil(parts.length / cols);
    const out = document.createElement('canvas');
    out.width = w * cols;
    out.height = rows * (titleH + hgt) + legendH;
    const ctx = out.getContext('2d')!;
    const fg = cssVar('--vscode-foreground', '#ccc');
    ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.font = `${Math.round(13 * dpr)}px ${getComputedStyle(document.body).fontFamily}`;
    ctx.textBaseline = 'middle';
    parts.forEach((r, i) => {
      const x = (i % cols) * w;
      const y = Math.floor(i / cols) * (titleH + hgt);
      ctx.fillStyle = fg;
      ctx.fillText(r.querySelector('figcaption')?.textContent ?? '', x + 8 * dpr, y + titleH / 2);
      ctx.drawImage(canvases[i], x, y + titleH);
    });
    // Legend: each plotted run in its colour, as uPlot's legend shows it.
    let lx = 8 * dpr;
    const ly = out.height - legendH / 2;
    const hidden = new Set(this.state.hidden ?? []);
    const markers = Array.from(parts[0].querySelectorAll('.u-legend .u-series')).slice(1) as HTMLElement[];
    this.curves
      .filter((c) => !hidden.has(c.id))
      .forEach((c, i) => {
        const color = markers[i]?.querySelector<HTMLElement>('.u-marker')?.style.borderColor || fg;
        ctx.fillStyle = color;
        ctx.fillRect(lx, ly - 2 * dpr, 14 * dpr, 4 * dpr);
        ctx.fillStyle = fg;
        ctx.fillText(c.name, lx + 18 * dpr, ly);
        lx += (18 + 12) * dpr + ctx.measureText(c.name).width;
      });
    send({ type: FromWebview.SaveChart, format: 'png', name: 'experiments-overlays', data: out.toDataURL('image/png') });
  }
}
