// The run view (an editor tab, src/extension/runPanel.ts): one run's full-size charts — accuracy,
// loss, throughput and learning rate — against epoch, step or wall-clock time, with per-step
// records (steps.jsonl) smoothed by a debiased EMA, a log scale for the loss, hover values, drag
// zoom, decomposition markers, and "Save as PNG/SVG" per chart. Live while the run trains.
import { FromWebview, ToWebview, type HostToWebviewMessage, type RunSnapshotView, type RunStateView } from '../../src/protocol';
import { totalEpochs } from '../../src/runs/schedule';
import type { RunEvent, RunInfo } from '../../src/runs/types';
import { LiveChart, type YKind } from '../charts';
import { h, perFrame, setText } from '../dom';
import { MetricsColumns, formatSeconds, markersFrom, type Marker } from '../series';
import { cssVar, onThemeChange, palette } from '../theme';
import { getState, send, setState } from '../vscodeApi';
import { StepColumns, runChartData, type RunChartKind, type XAxis } from './runSeries';

interface RunViewState {
  axis: XAxis;
  smoothing: number;
  logLoss: boolean;
}

const CHARTS: { kind: RunChartKind; title: string; y: YKind }[] = [
  { kind: 'accuracy', title: 'Accuracy', y: 'accuracy' },
  { kind: 'loss', title: 'Loss', y: 'loss' },
  { kind: 'throughput', title: 'Throughput (images/s)', y: 'throughput' },
  { kind: 'lr', title: 'Learning rate', y: 'lr' },
];

const AXIS_NAMES: Record<XAxis, string> = { epoch: 'epoch', step: 'step', time: 'wall-clock time' };

export class RunView {
  private runId: string | null = null;
  private info: RunInfo | null = null;
  private state: RunStateView | null = null;
  private readonly cols = new MetricsColumns();
  private readonly steps = new StepColumns();
  private events: RunEvent[] = [];
  private problems: string[] = [];
  private settings: RunViewState;
  private charts: { kind: RunChartKind; chart: LiveChart }[] = [];
  private chartsKey = '';
  private readonly schedule = perFrame(() => this.render());

  private readonly title = h('h2', { class: 'run-name' });
  private readonly status = h('vscode-badge', { class: 'status' });
  private readonly stopButton = h('vscode-button', { class: 'stop', secondary: true, title: 'Stop this run' }, 'Stop');
  private readonly summary = h('div', { class: 'run-summary' });
  private readonly axisSelect = h(
    'select',
    { class: 'axis-select', 'aria-label': 'x axis' },
    ...(['epoch', 'step', 'time'] as const).map((a) => h('option', { value: a }, AXIS_NAMES[a])),
  );
  private readonly smoothing = h('input', {
    type: 'range',
    class: 'smoothing',
    min: 0,
    max: 0.99,
    step: 0.01,
    'aria-label': 'smoothing',
  });
  private readonly smoothingValue = h('span', { class: 'smoothing-value' });
  private readonly logLoss = h('input', { type: 'checkbox', class: 'log-loss', 'aria-label': 'log-scale loss' });
  private readonly resetZoom = h(
    'vscode-button',
    { class: 'reset-zoom', secondary: true, title: 'Show the whole run (or double-click a chart)' },
    'Reset zoom',
  );
  private readonly note = h('div', { class: 'run-note', role: 'status' });
  private readonly chartsBox = h('section', { class: 'run-charts' });
  private readonly waiting = h('p', { class: 'waiting' });
  private readonly markersList = h('ul', { class: 'markers' });
  private readonly problemsBox = h('div', { class: 'problems', hidden: true });

  constructor(private readonly root: HTMLElement) {
    const saved = getState<RunViewState>();
    this.settings = {
      axis: saved.axis === 'step' || saved.axis === 'time' ? saved.axis : 'epoch',
      smoothing: typeof saved.smoothing === 'number' ? saved.smoothing : 0.6,
      logLoss: saved.logLoss === true,
    };
    this.axisSelect.value = this.settings.axis;
    this.smoothing.value = String(this.settings.smoothing);
    this.logLoss.checked = this.settings.logLoss;
    this.axisSelect.addEventListener('change', () => this.update({ axis: this.axisSelect.value as XAxis }));
    this.smoothing.addEventListener('input', () => this.update({ smoothing: Number(this.smoothing.value) }));
    this.logLoss.addEventListener('change', () => this.update({ logLoss: this.logLoss.checked }));
    this.resetZoom.addEventListener('click', () => {
      for (const c of this.charts) c.chart.resetZoom();
    });
    this.stopButton.addEventListener('click', () => {
      if (this.runId && this.state?.canStop && !this.state.stopping) send({ type: FromWebview.Stop, runId: this.runId });
    });
    root.classList.add('run-view');
    root.append(
      h(
        'header',
        { class: 'run-header' },
        h('div', { class: 'title-row' }, this.title, this.status, this.stopButton),
        this.summary,
        h(
          'div',
          { class: 'toolbar' },
          h('label', {}, 'x axis ', this.axisSelect),
          h(
            'label',
            { title: 'Exponential moving average of the per-step values, debiased (as TensorBoard)' },
            'smoothing ',
            this.smoothing,
            this.smoothingValue,
          ),
          h('label', {}, this.logLoss, ' log-scale loss'),
          this.resetZoom,
          this.note,
        ),
      ),
      this.waiting,
      this.chartsBox,
      this.markersList,
      this.problemsBox,
    );
    onThemeChange(() => {
      for (const c of this.charts) c.chart.restyle();
      this.renderCharts();
    });
  }

  private update(patch: Partial<RunViewState>): void {
    this.settings = { ...this.settings, ...patch };
    setState<RunViewState>(this.settings);
    this.schedule();
  }

  handle(m: HostToWebviewMessage): void {
    switch (m.type) {
      case ToWebview.Run:
        this.load(m.run);
        break;
      case ToWebview.Metrics:
        if (m.runId === this.runId) this.cols.append(m.records);
        break;
      case ToWebview.Steps:
        if (m.runId === this.runId) this.steps.append(m.records);
        break;
      case ToWebview.Events:
        if (m.runId === this.runId) this.events.push(...m.events);
        break;
      case ToWebview.State:
        if (m.runId !== this.runId) return;
        this.info = m.info ?? this.info;
        this.state = m.state;
        break;
      case ToWebview.Saved:
        setText(this.note, m.error ?? (m.path ? `Saved ${m.path}` : ''));
        this.note.dataset.saved = m.path ?? '';
        return;
      default:
        return;
    }
    this.schedule();
  }

  private load(run: RunSnapshotView | null): void {
    this.runId = run?.id ?? null;
    this.info = run?.info ?? null;
    this.state = run?.state ?? null;
    if (run) {
      this.cols.load(run.metrics);
      this.steps.load(run.steps);
    } else {
      this.cols.clear();
      this.steps.clear();
    }
    this.events = run ? [...run.events] : [];
    this.problems = run?.problems ?? [];
    this.schedule();
  }

  /** Renders everything (cheap: a run has at most thousands of points). Public for tests. */
  render(): void {
    this.renderHeader();
    this.renderCharts();
    this.root.dataset.runId = this.runId ?? '';
    this.root.dataset.epochs = String(this.cols.length);
    this.root.dataset.steps = String(this.steps.length);
    this.root.dataset.axis = this.settings.axis;
  }

  private renderHeader(): void {
    const info = this.info;
    const state = this.state;
    const status = state?.stopping && state.status === 'running' ? 'stopping' : (state?.status ?? info?.status ?? 'unknown');
    setText(this.title, info?.name ?? this.runId ?? 'No run');
    setText(this.status, status);
    this.status.dataset.status = status;
    this.stopButton.hidden = !state?.canStop;
    const total = info ? totalEpochs(info.config) : 0;
    const last = this.cols.last;
    const s = this.steps.last;
    const acc = last ? (last.valAccuracy ?? last.trainAccuracy) : null;
    const parts = [
      info ? `${info.config.model} on ${info.config.dataset}` : '',
      info?.backend ? `${info.backend.used}` : '',
      `epoch ${last?.epoch ?? 0}${total ? ` of ${total}` : ''}`,
      s && status === 'running' && (!last || s.epoch > last.epoch) ? `in epoch ${s.epoch}: step ${s.epochStep}/${s.stepsPerEpoch}` : '',
      acc === null ? '' : `${last?.valAccuracy != null ? 'val accuracy' : 'accuracy'} ${(acc * 100).toFixed(2)} %`,
      last || s ? `elapsed ${formatSeconds(Math.max(last?.seconds ?? 0, s?.seconds ?? 0))}` : '',
    ].filter(Boolean);
    setText(this.summary, parts.join(' · '));
    setText(this.smoothingValue, this.settings.smoothing.toFixed(2));
    this.smoothing.disabled = this.steps.length === 0;
    this.smoothing.title = this.steps.length ? '' : 'This run has no per-step records (steps.jsonl) to smooth';
  }

  private markers(): Marker[] {
    const stepAt = new Map<number, number>();
    this.cols.epoch.forEach((e, i) => stepAt.set(e, this.cols.step[i]));
    return markersFrom(this.events).map((m) => ({ ...m, step: m.epoch === 0 ? 0 : stepAt.get(m.epoch) }));
  }

  private renderCharts(): void {
    const { axis, smoothing, logLoss } = this.settings;
    const empty = this.cols.length === 0 && this.steps.length === 0;
    const running = (this.state?.status ?? this.info?.status) === 'running';
    this.waiting.hidden = !empty;
    setText(
      this.waiting,
      !this.runId ? 'No run to show.' : running ? 'Waiting for the first steps…' : 'Nothing was recorded for this run.',
    );
    this.chartsBox.hidden = empty;
    const data = CHARTS.map((c) => ({ ...c, d: runChartData(c.kind, this.cols, this.steps, axis, smoothing) }));
    const key = [axis, logLoss, ...data.map((c) => c.d.series.map((s) => s.label).join('/'))].join('|');
    if (key !== this.chartsKey) {
      for (const c of this.charts) c.chart.destroy();
      this.charts = data.map((c) => ({
        kind: c.kind,
        chart: new LiveChart({
          title: `${c.title} vs ${AXIS_NAMES[axis]}`,
          x: axis,
          y: c.y,
          series: c.d.series,
          height: 280,
          zoom: true,
          logY: c.kind === 'loss' && logLoss,
        }),
      }));
      for (const c of this.charts) this.addSaveButtons(c.chart, c.kind);
      this.chartsBox.replaceChildren(...this.charts.map((c) => c.chart.root));
      this.chartsKey = key;
    }
    const markers = this.markers();
    data.forEach((c, i) => {
      const chart = this.charts[i].chart;
      chart.setData(c.d.x, c.d.ys);
      chart.setMarkers(markers);
    });
    this.markersList.replaceChildren(...markers.map((m) => h('li', { class: `marker marker-${m.kind}`, 'data-kind': m.kind }, m.label)));
    this.problemsBox.hidden = this.problems.length === 0;
    this.problemsBox.replaceChildren(...this.problems.map((p) => h('div', {}, p)));
  }

  private addSaveButtons(chart: LiveChart, kind: RunChartKind): void {
    const name = () => `${kind}-vs-${this.settings.axis}`;
    const bg = () => cssVar('--vscode-editor-background', '#1e1e1e');
    const png = h('vscode-button', { class: 'save-png', secondary: true, title: 'Save this chart as a PNG image' }, 'PNG');
    const svg = h('vscode-button', { class: 'save-svg', secondary: true, title: 'Save this chart as an SVG image' }, 'SVG');
    png.addEventListener('click', () =>
      send({ type: FromWebview.SaveChart, format: 'png', name: name(), data: chart.toPng(bg(), cssVar('--vscode-foreground', '#ccc')) }),
    );
    svg.addEventListener('click', () =>
      send({
        type: FromWebview.SaveChart,
        format: 'svg',
        name: name(),
        data: chart.toSvg({ background: bg(), foreground: palette().foreground, grid: palette().grid }),
      }),
    );
    chart.titleElement.append(h('span', { class: 'chart-actions' }, png, svg));
  }
}
