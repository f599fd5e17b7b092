// The run dashboard: header (status, backend, progress, throughput, ETA, parameters), four live
// charts (accuracy and loss against epoch and against wall-clock time) with decomposition and
// reconstruction markers, the per-layer rank table, and Stop. Renders at most once per frame.
import { elapsedSeconds } from './elapsed';
import {
  FromWebview,
  ToWebview,
  type HostToWebviewMessage,
  type RunProgressView,
  type RunSnapshotView,
  type RunStateView,
} from '../src/protocol';
import type { LayerDecomposition, RunEvent, RunInfo, StepMetrics } from '../src/runs/types';
import { totalEpochs } from '../src/runs/schedule';
import { measuredSummary } from '../src/runs/layerText';
import { trainedOnCpu } from '../src/runs/backendKind';
import { LiveChart } from './charts';
import { h, perFrame, setText } from './dom';
import {
  MetricsColumns,
  estimateEta,
  formatCount,
  formatSeconds,
  markersFrom,
  freezeSegments,
  rankHistoryFrom,
  rankTableFrom,
  type Marker,
} from './series';
import { onThemeChange } from './theme';
import { getState, send, setState } from './vscodeApi';

interface ViewState {
  runId: string | null;
}

export class Dashboard {
  private runId: string | null = null;
  private info: RunInfo | null = null;
  private state: RunStateView | null = null;
  private progress: RunProgressView | null = null;
  /** The newest steps.jsonl record: progress inside an epoch for runs without IPC progress (CLI runs, slow models). */
  private lastStep: StepMetrics | null = null;
  private readonly cols = new MetricsColumns();
  private events: RunEvent[] = [];
  private problems: string[] = [];
  private dirty = { header: false, charts: false, events: false };
  private readonly schedule = perFrame(() => this.render());
  /** Time spent in the last render (ms): read by the benchmark. */
  lastRenderMs = 0;

  private readonly empty = h(
    'div',
    { class: 'empty' },
    h(
      'p',
      {},
      'No runs yet. Start one from the command palette ("Start decomposed training") or the command line (tucker-train train …); it appears here live.',
    ),
  );
  private readonly main = h('div', { class: 'run' });
  private readonly title = h('h2', { class: 'run-name' });
  private readonly status = h('vscode-badge', { class: 'status' });
  private readonly stopButton = h('vscode-button', { class: 'stop', secondary: true, title: 'Stop this run' }, 'Stop');
  private readonly openButton = h(
    'vscode-button',
    { class: 'open-run', secondary: true, title: 'Open this run in an editor tab: full-size charts, zoom, smoothing, export' },
    'Open',
  );
  private readonly backendText = h('span');
  /** Shown when the run trained on the CPU: opens "Check training backends" (what could use a GPU here). */
  private readonly checkBackends = h('a', { href: '#', class: 'check-backends', hidden: true }, 'Check training backends');
  private readonly backend = h('div', { class: 'backend' }, this.backendText, this.checkBackends);
  private readonly progressBar = h('vscode-progress-bar', {
    class: 'epoch-progress',
    max: 1,
    value: 0,
    'aria-label': 'epoch progress',
  }) as HTMLElement & { value: number; max: number };
  private readonly epochText = h('span', { class: 'epoch-text' });
  private readonly stats = h('div', { class: 'stats' });
  private readonly waiting = h('p', { class: 'waiting' }, 'Waiting for the first epoch…');
  private readonly chartsBox = h('section', { class: 'charts' });
  /** Sequential freezing: which factor group trained when, on the run clock (a band per run of epochs). */
  private readonly freezeStrip = h('div', {
    class: 'freeze-strip',
    title: 'Sequential freezing: the only factor group of the decomposed layers that trained',
  });
  private readonly error = h('div', { class: 'error', role: 'alert', hidden: true });
  private readonly markersList = h('ul', { class: 'markers' });
  private readonly rankSection = h('section', { class: 'ranks', hidden: true });
  /** decomposeAt 'auto': the policy's ranks against epoch, the chosen epoch marked, and the rule's verdict. */
  private readonly rankHistoryBox = h('section', { class: 'rank-history', hidden: true });
  private readonly rankHistoryNote = h('p', { class: 'rank-decision' });
  private rankChart: LiveChart | null = null;
  private rankChartLayers = '';
  private readonly problemsBox = h('div', { class: 'problems', hidden: true });
  private readonly charts: LiveChart[];
  private elapsedAnchor: { seconds: number | null; at: number } | null = null;

  constructor(private readonly root: HTMLElement) {
    setInterval(() => this.tickElapsed(), 1000);
    const startButton = h('vscode-button', {}, 'Start decomposed training');
    startButton.addEventListener('click', () => send({ type: FromWebview.StartTraining }));
    this.empty.append(startButton);
    this.checkBackends.addEventListener('click', (e) => {
      e.preventDefault();
      send({ type: FromWebview.CheckBackends });
    });
    this.openButton.addEventListener('click', () => {
      if (this.runId) send({ type: FromWebview.OpenRun, runId: this.runId });
    });
    this.stopButton.addEventListener('click', () => {
      if (this.runId && this.state?.canStop && !this.state.stopping) send({ type: FromWebview.Stop, runId: this.runId });
    });
    const train = { label: 'train' };
    const val = { label: 'validation', dash: [5, 3] };
    this.charts = [
      new LiveChart({ title: 'Accuracy vs epoch', x: 'epoch', y: 'accuracy', series: [train, val] }),
      new LiveChart({ title: 'Accuracy vs wall-clock time', x: 'time', y: 'accuracy', series: [train, val] }),
      new LiveChart({ title: 'Loss vs epoch', x: 'epoch', y: 'loss', series: [train, val] }),
      new LiveChart({ title: 'Loss vs wall-clock time', x: 'time', y: 'loss', series: [train, val] }),
    ];
    this.main.append(
      h(
        'header',
        { class: 'run-header' },
        h('div', { class: 'title-row' }, this.title, this.status, this.openButton, this.stopButton),
        this.backend,
        h('div', { class: 'progress-row' }, this.epochText, this.progressBar),
        this.stats,
        this.error,
      ),
      this.waiting,
      this.chartsBox,
      this.freezeStrip,
      this.markersList,
      this.rankHistoryBox,
      this.rankSection,
      this.problemsBox,
    );
    this.chartsBox.append(...this.charts.map((c) => c.root));
    root.append(this.empty, this.main);
    this.main.hidden = true;
    this.runId = getState<ViewState>().runId ?? null;
    onThemeChange(() => {
      for (const c of this.charts) c.restyle();
      this.rankChart?.restyle();
    });
  }

  handle(m: HostToWebviewMessage): void {
    switch (m.type) {
      case ToWebview.Run:
        this.load(m.run);
        break;
      case ToWebview.Metrics:
        if (m.runId !== this.runId) return;
        this.cols.append(m.records);
        this.dirty.charts = this.dirty.header = true;
        break;
      case ToWebview.Events:
        if (m.runId !== this.runId) return;
        this.events.push(...m.events);
        this.dirty.events = this.dirty.header = true;
        break;
      case ToWebview.State:
        if (m.runId !== this.runId) return;
        this.info = m.info ?? this.info;
        this.state = m.state;
        if (m.state.status !== 'running') this.progress = null;
        this.dirty.header = true;
        break;
      case ToWebview.Steps:
        if (m.runId !== this.runId || !m.records.length) return;
        this.lastStep = m.records[m.records.length - 1];
        this.dirty.header = this.dirty.charts = true;
        break;
      case ToWebview.Progress:
        if (m.runId !== this.runId) return;
        this.progress = m.progress;
        this.dirty.header = true;
        break;
      case ToWebview.Comparison:
        return;
    }
    this.schedule();
  }

  private load(run: RunSnapshotView | null): void {
    this.runId = run?.id ?? null;
    setState<ViewState>({ runId: this.runId });
    this.info = run?.info ?? null;
    this.state = run?.state ?? null;
    this.progress = null;
    this.lastStep = run?.steps?.last ?? null;
    if (run) this.cols.load(run.metrics);
    else this.cols.clear();
    this.events = run ? [...run.events] : [];
    this.problems = run?.problems ?? [];
    this.dirty = { header: true, charts: true, events: true };
    this.schedule();
  }

  /** Renders what changed. Public for the benchmark, which calls it synchronously. */
  render(): void {
    const t0 = performance.now();
    const hasRun = this.runId !== null;
    this.empty.hidden = hasRun;
    this.main.hidden = !hasRun;
    if (!hasRun) return;
    if (this.dirty.events) this.renderEvents();
    if (this.dirty.charts || this.dirty.events) this.renderCharts();
    if (this.dirty.header) this.renderHeader();
    this.dirty = { header: false, charts: false, events: false };
    this.lastRenderMs = performance.now() - t0;
    this.root.dataset.runId = this.runId ?? '';
    this.root.dataset.epochs = String(this.cols.length);
    this.root.dataset.lastEpoch = String(this.cols.last?.epoch ?? 0);
  }

  private renderHeader(): void {
    const info = this.info;
    const state = this.state;
    const status = state?.stopping && state.status === 'running' ? 'stopping' : (state?.status ?? info?.status ?? 'unknown');
    setText(this.title, info?.name ?? this.runId ?? '');
    setText(this.status, status);
    this.status.dataset.status = status;
    this.root.dataset.status = status;
    this.stopButton.hidden = !state?.canStop;
    this.stopButton.toggleAttribute('disabled', !!state?.stopping);
    setText(this.stopButton, state?.stopping ? 'Stopping…' : 'Stop');
    const b = info?.backend;
    setText(
      this.backendText,
      b
        ? `${b.used} · ${b.device}${b.fallbacks.length ? ` · ${b.fallbacks.length} faster backend${b.fallbacks.length > 1 ? 's' : ''} unavailable` : ''}`
        : info
          ? `backend: ${info.config.backend} (starting)`
          : '',
    );
    this.backendText.title = b?.fallbacks.join('\n') ?? '';
    this.checkBackends.hidden = !(b && trainedOnCpu(b));

    const total = info ? totalEpochs(info.config) : 0;
    const last = this.cols.last;
    const done = last?.epoch ?? 0;
    const p = this.progress ?? stepProgress(this.lastStep, done);
    const inEpoch =
      p && p.stepsPerEpoch > 0 ? Math.min(1, (p.step > p.stepsPerEpoch ? p.step % p.stepsPerEpoch : p.step) / p.stepsPerEpoch) : 0;
    const current = p && status === 'running' ? Math.max(done, p.epoch - 1) + inEpoch : done;
    setText(
      this.epochText,
      total
        ? `epoch ${done} of ${total}${p && status === 'running' ? ` · in epoch ${p.epoch}: ${Math.round(inEpoch * 100)} %` : ''}`
        : `epoch ${done}`,
    );
    this.progressBar.max = Math.max(1, total);
    this.progressBar.value = Math.min(current, total || current);
    this.progressBar.toggleAttribute('hidden', !total);

    const first = this.cols.first;
    const acc = last ? (last.valAccuracy ?? last.trainAccuracy) : null;
    const eta = status === 'running' ? estimateEta(this.cols, total, p?.etaSeconds ?? null) : null;
    const rows: [string, string][] = [
      [last?.valAccuracy != null ? 'val accuracy' : 'accuracy', acc === null ? '–' : `${(acc * 100).toFixed(2)} %`],
      ['images/s', p?.imagesPerSecond ? p.imagesPerSecond.toFixed(0) : last ? last.imagesPerSecond.toFixed(0) : '–'],
      ['elapsed', this.elapsedText(last?.seconds ?? null, status === 'running')],
      ['ETA', status === 'running' ? formatSeconds(eta) : '–'],
      [
        'params',
        last && first
          ? last.params === first.params
            ? formatCount(last.params)
            : `${formatCount(last.params)} of ${formatCount(first.params)} (${last.params < first.params ? '−' : '+'}${Math.abs(100 * (1 - last.params / first.params)).toFixed(0)} %)`
          : '–',
      ],
      ['phase', last?.phase ?? '–'],
    ];
    this.stats.replaceChildren(
      ...rows.map(([k, v]) =>
        h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, k), h('span', { class: 'stat-value', 'data-stat': k }, v)),
      ),
    );
    const stoppedEvent = [...this.events].reverse().find((e) => e.type === 'stopped');
    const err =
      state?.error ??
      info?.error ??
      (status === 'stopped' && stoppedEvent?.type === 'stopped' ? `stopped in epoch ${stoppedEvent.epoch}: ${stoppedEvent.reason}` : null);
    this.error.hidden = !(err && (status === 'failed' || status === 'stopped' || status === 'crashed'));
    // A stop is what the user asked for: a neutral note, not an error.
    this.error.classList.toggle('notice', status === 'stopped');
    this.error.setAttribute('role', status === 'stopped' ? 'status' : 'alert');
    setText(this.error, err ?? '');
  }

  /** Elapsed time, counting on between epoch records while the run trains (webview/elapsed.ts). */
  private elapsedText(lastSeconds: number | null, running: boolean): string {
    if (this.elapsedAnchor?.seconds !== lastSeconds) this.elapsedAnchor = { seconds: lastSeconds, at: Date.now() };
    const s = elapsedSeconds(
      {
        running,
        lastSeconds,
        lastSeenAt: this.elapsedAnchor.at,
        startedAt: this.info?.startedAt ?? null,
        resumed: !!this.info?.resumedFrom,
      },
      Date.now(),
    );
    return s === null ? '–' : formatSeconds(s);
  }

  private tickElapsed(): void {
    const status = this.state?.status ?? this.info?.status;
    const el = this.stats.querySelector<HTMLElement>('[data-stat="elapsed"]');
    if (status === 'running' && el && !this.main.hidden) setText(el, this.elapsedText(this.cols.last?.seconds ?? null, true));
  }

  private renderCharts(): void {
    const c = this.cols;
    const status = this.state?.status ?? this.info?.status;
    this.waiting.hidden = c.length > 0;
    setText(this.waiting, waitingText(status === 'running', this.lastStep));
    this.chartsBox.hidden = c.length === 0;
    this.renderFreezeStrip();
    for (const chart of this.charts) {
      const x = chart.spec.x === 'epoch' ? c.epoch : c.seconds;
      const ys = chart.spec.y === 'accuracy' ? [c.trainAcc, c.valAcc] : [c.trainLoss, c.valLoss];
      chart.setData(x, ys);
    }
  }

  private renderFreezeStrip(): void {
    const segs = freezeSegments(this.cols);
    const end = this.cols.seconds[this.cols.length - 1] ?? 0;
    this.freezeStrip.hidden = segs.length === 0 || !(end > 0);
    if (this.freezeStrip.hidden) return;
    // Widths are shares of the run clock, like the time charts' x axis (0 … last epoch's end).
    const pct = (s: number) => `${((100 * s) / end).toFixed(2)}%`;
    const NAMES: Record<string, string> = { first: 'first 1×1', core: 'core', last: 'last 1×1' };
    // Sizes through the CSSOM: the webview's CSP refuses style attributes.
    const lead = h('span', { class: 'freeze-lead' }, 'trains:');
    lead.style.width = pct(segs[0].fromSeconds);
    const bands = segs.map((sg, i) => {
      const epochs = sg.firstEpoch === sg.lastEpoch ? `epoch ${sg.firstEpoch}` : `epochs ${sg.firstEpoch}–${sg.lastEpoch}`;
      const b = h(
        'span',
        {
          class: `freeze-band freeze-${sg.group}`,
          'data-group': sg.group,
          title: `${epochs}: only the ${NAMES[sg.group] ?? sg.group} factors trained`,
        },
        NAMES[sg.group] ?? sg.group,
      );
      b.style.marginLeft = pct(i ? sg.fromSeconds - segs[i - 1].toSeconds : 0);
      b.style.width = pct(sg.toSeconds - sg.fromSeconds);
      return b;
    });
    this.freezeStrip.replaceChildren(lead, ...bands);
  }

  private renderEvents(): void {
    const markers: Marker[] = markersFrom(this.events);
    for (const chart of this.charts) chart.setMarkers(markers);
    this.markersList.replaceChildren(...markers.map((m) => h('li', { class: `marker marker-${m.kind}`, 'data-kind': m.kind }, m.label)));
    this.renderRankHistory(markers);
    this.renderRanks();
    this.problemsBox.hidden = this.problems.length === 0;
    this.problemsBox.replaceChildren(...this.problems.map((p) => h('div', {}, p)));
  }

  private renderRankHistory(markers: Marker[]): void {
    const r = rankHistoryFrom(this.events);
    this.rankHistoryBox.hidden = !r;
    if (!r) {
      this.rankChart?.destroy();
      this.rankChart = null;
      this.rankChartLayers = '';
      this.rankHistoryBox.replaceChildren();
      return;
    }
    const key = `${r.label}:${r.layers.map((l) => l.name).join(',')}`;
    if (!this.rankChart || key !== this.rankChartLayers) {
      this.rankChart?.destroy();
      // One colour per layer: K1 solid, K2 dashed.
      const series = r.layers.flatMap((l, i) => [
        { label: `${l.name} K1`, color: i },
        { label: `${l.name} K2`, color: i, dash: [5, 3] },
      ]);
      this.rankChart = new LiveChart({ title: `${r.label} ranks vs epoch (decompose: auto)`, x: 'epoch', y: 'rank', series, height: 170 });
      this.rankChartLayers = key;
      this.rankHistoryBox.replaceChildren(this.rankChart.root, this.rankHistoryNote);
    }
    this.rankChart.setData(
      r.epochs,
      r.layers.flatMap((l) => [l.k1, l.k2]),
    );
    this.rankChart.setMarkers(markers.filter((m) => m.kind === 'decompose'));
    const d = r.decision;
    setText(
      this.rankHistoryNote,
      d ? (d.decompose ? `Decomposed after epoch ${d.epoch}: ${d.reason}.` : `After epoch ${d.epoch}, not yet: ${d.reason}.`) : '',
    );
    this.rankHistoryNote.dataset.decompose = String(!!d?.decompose);
  }

  private renderRanks(): void {
    const t = rankTableFrom(this.events);
    this.rankSection.hidden = !t;
    if (!t) {
      this.rankSection.replaceChildren();
      return;
    }
    // decide 'measured': each layer's forward + backward times and the choice (docs/design.md §5.7).
    const timed = t.layers.some((l) => l.measured);
    const headers = ['Layer', 'Kernel', 'K1', 'K2', 'Params', 'M', 'E', 'Error', ...(timed ? ['Measured (fwd+bwd)'] : []), 'Note'];
    const row = (l: LayerDecomposition) => {
      const cells = [
        l.name,
        l.kernel.join('×'),
        l.k1 ?? (l.rank !== null ? `r=${l.rank}` : '–'),
        l.k2 ?? '–',
        l.skipped ? formatCount(l.paramsBefore) : `${formatCount(l.paramsBefore)} → ${formatCount(l.paramsAfter)}`,
        l.compression === null ? '–' : `${l.compression.toFixed(2)}×`,
        l.speedup === null ? '–' : `${l.speedup.toFixed(2)}×`,
        l.approximationError === null ? '–' : l.approximationError.toFixed(3),
        ...(timed ? [l.measured ? measuredSummary(l.measured) : '–'] : []),
        l.skipped ?? (l.policyRanks ? `policy ranks ${l.policyRanks.join('/')}, rounded up` : ''),
      ];
      return h(
        'vscode-table-row',
        { class: l.skipped ? 'skipped' : null, 'data-layer': l.name },
        ...cells.map((c) => h('vscode-table-cell', { title: String(c) }, String(c))),
      );
    };
    const decomposed = t.layers.filter((l) => !l.skipped).length;
    this.rankSection.replaceChildren(
      h('h3', {}, `Per-layer ranks (${t.policy}, after epoch ${t.epoch}): ${decomposed} of ${t.layers.length} layers decomposed`),
      h(
        'vscode-table',
        {
          class: 'rank-table',
          zebra: true,
          'bordered-rows': true,
          resizable: true,
          responsive: true,
          breakpoint: 520,
          columns: JSON.stringify(['12%', '12%', '6%', '6%', '14%', '7%', '7%', '7%', ...(timed ? ['16%'] : []), 'auto']),
        },
        h('vscode-table-header', { slot: 'header' }, ...headers.map((x) => h('vscode-table-header-cell', {}, x))),
        h('vscode-table-body', { slot: 'body' }, ...t.layers.map(row)),
      ),
    );
  }
}

/** Progress from the newest step record, when the trainer's own (IPC) progress is not available. */
function stepProgress(s: StepMetrics | null, epochsDone: number): RunProgressView | null {
  if (!s || s.epoch <= epochsDone) return null;
  return { epoch: s.epoch, step: s.epochStep, stepsPerEpoch: s.stepsPerEpoch, imagesPerSecond: s.imagesPerSecond, etaSeconds: null };
}

/** What stands where the charts will be before the first epoch ends: the step records' numbers when there are some. */
export function waitingText(running: boolean, s: StepMetrics | null): string {
  if (!running) return 'No epoch was recorded for this run.';
  if (!s) return 'Waiting for the first epoch…';
  return `Epoch ${s.epoch}, step ${s.epochStep} of ${s.stepsPerEpoch}: training loss ${s.trainLoss.toFixed(4)}, accuracy ${(s.trainAccuracy * 100).toFixed(2)} % (mean of the last ${s.steps} steps), ${Math.round(s.imagesPerSecond)} images/s`;
}
