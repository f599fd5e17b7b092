// Runs side by side in the format of the paper's tables: scenario, best and final accuracy,
// parameters, training time, and speedup / accuracy change against a chosen baseline run.
// The terminal (`tucker-train train`'s closing table) and VS Code (Compare runs, exports) print
// this one table, so both show the same rows and numbers for the same runs.
import { escapeMarkdownCell } from './markdown'; // run names come from files: shown as text, no links or images
import type { EpochMetrics, RunEvent, RunInfo } from './types';
import { describeScenario, totalEpochs } from './schedule';
import { comparabilityWarnings, comparableRun } from './comparability';
import { shownName } from './annotations';

export { describeScenario };

export interface ComparedRun {
  info: RunInfo;
  metrics: EpochMetrics[];
  /** The run's events; the decompose event gives the decomposed parameter count. */
  events?: RunEvent[];
  /** The status as shown (e.g. 'crashed', runs/reader.ts effectiveState); absent: run.json's. */
  shownStatus?: string;
}

export interface ComparisonRow {
  id: string;
  name: string;
  scenario: string;
  status: string;
  epochs: number;
  bestAccuracy: number | null;       // fraction 0..1
  finalAccuracy: number | null;      // fraction 0..1
  paramsOriginal: number | null;
  /** After decomposition (from the decompose event); null for runs never decomposed. */
  paramsDecomposed: number | null;
  paramsFinal: number | null;
  trainingSeconds: number | null;
  speedup: number | null;            // baseline seconds / this run's seconds
  accuracyChange: number | null;     // final accuracy minus the baseline's, in percentage points
  isBaseline: boolean;
  // The run's setup, for the experiments table (VS Code's Compare runs); the exports keep the paper's columns.
  model: string;
  dataset: string;
  /** Epochs in the schedule (fine-tune included); `epochs` above is how many were trained. */
  plannedEpochs: number;
  rankPolicy: string;
  /** The backend used (run.json's `backend.used`), else the one asked for. */
  backend: string;
  lr: number;
  batchSize: number;
  startedAt: string | null;
  tags: string[];
  starred: boolean;
  /** Why this row does not compare like with like (runs/comparability.ts); empty when it does. */
  warnings: string[];
}

export interface Comparison {
  baselineId: string | null;
  rows: ComparisonRow[];
}

/** The decomposition that counts: the last one (a resumed run may have re-decided after a crash). */
function lastDecompose(r: ComparedRun): Extract<RunEvent, { type: 'decompose' }> | null {
  const events = r.events ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'decompose') return e;
  }
  return null;
}

function decomposedParams(r: ComparedRun): number | null {
  return lastDecompose(r)?.paramsAfter ?? null;
}

/** For 'auto' runs, the epoch the rule chose: run.json's record, else the decompose event's. */
function decidedEpoch(r: ComparedRun): number | null {
  return r.info.decomposedAt ?? lastDecompose(r)?.epoch ?? null;
}

/** Best and final accuracy are validation accuracy; a run without validation uses training accuracy. */
function accuracyOf(m: EpochMetrics): number {
  return m.valAccuracy ?? m.trainAccuracy;
}

/** Picks the default baseline: the first run without decomposition, else the first run. */
export function defaultBaseline(runs: readonly ComparedRun[]): string | null {
  const plain = runs.find((r) => r.info.config.decomposeAt === null);
  return (plain ?? runs[0])?.info.id ?? null;
}

export function compareRuns(
  runs: readonly ComparedRun[],
  baselineId: string | null = defaultBaseline(runs),
  now: number = Date.now(),
): Comparison {
  const base = runs.find((r) => r.info.id === baselineId) ?? null;
  const warnings = comparabilityWarnings(
    runs.map((r) => comparableRun(r.info, r.shownStatus ?? r.info.status, r.metrics, now, shownName(r.info))),
    base?.info.id ?? null,
  );
  const summarize = (r: ComparedRun) => {
    const ms = r.metrics;
    const last = ms.length ? ms[ms.length - 1] : null;
    let best: number | null = null;
    for (const m of ms) {
      const a = accuracyOf(m);
      if (Number.isFinite(a) && (best === null || a > best)) best = a;
    }
    return {
      best,
      final: last ? accuracyOf(last) : null,
      seconds: last ? last.seconds : null,
      paramsOriginal: ms.length ? ms[0].params : null,
      paramsFinal: last ? last.params : null,
      epochs: last ? last.epoch : 0,
    };
  };
  const b = base ? summarize(base) : null;
  const rows = runs.map((r): ComparisonRow => {
    const s = summarize(r);
    const isBaseline = base !== null && r.info.id === base.info.id;
    return {
      id: r.info.id,
      name: shownName(r.info),
      scenario: describeScenario(r.info.config, decidedEpoch(r)),
      status: r.shownStatus ?? r.info.status,
      epochs: s.epochs,
      bestAccuracy: s.best,
      finalAccuracy: s.final,
      paramsOriginal: s.paramsOriginal,
      paramsDecomposed: decomposedParams(r),
      paramsFinal: s.paramsFinal,
      trainingSeconds: s.seconds,
      speedup: b?.seconds && s.seconds ? b.seconds / s.seconds : null,
      accuracyChange: b && b.final !== null && s.final !== null ? (s.final - b.final) * 100 : null,
      isBaseline,
      model: r.info.config.model,
      dataset: r.info.config.dataset,
      plannedEpochs: totalEpochs(r.info.config),
      rankPolicy: r.info.config.rankPolicy,
      backend: r.info.backend?.used ?? r.info.config.backend,
      lr: r.info.config.lr,
      batchSize: r.info.config.batchSize,
      startedAt: r.info.startedAt ?? r.info.createdAt,
      tags: r.info.tags ?? [],
      starred: r.info.starred === true,
      warnings: warnings.get(r.info.id) ?? [],
    };
  });
  return { baselineId: base?.info.id ?? null, rows };
}

// ---- formatting (shared by the export and the webview) ----

export function formatPercent(x: number | null): string {
  return x === null ? '–' : `${(x * 100).toFixed(2)} %`;
}

export function formatParams(n: number | null): string {
  if (n === null) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m) return `${m} min ${String(r).padStart(2, '0')} s`;
  return `${seconds < 10 ? seconds.toFixed(1) : r} s`;
}

export function formatSpeedup(x: number | null): string {
  return x === null ? '–' : `${x.toFixed(2)}×`;
}

export function formatChange(pp: number | null): string {
  if (pp === null) return '–';
  const sign = pp > 0 ? '+' : pp < 0 ? '−' : '±';
  return `${sign}${Math.abs(pp).toFixed(2)} pp`;
}

export const COMPARISON_HEADERS = ['Run', 'Scenario', 'Status', 'Epochs', 'Best accuracy', 'Final accuracy', 'Params (original → decomposed → final)', 'Training time', 'Speedup', 'Accuracy change'] as const;

/** The parameter count of each phase the run went through, each change once: "70.3 k → 4.6 k → 70.3 k". */
export function formatParamsPath(r: Pick<ComparisonRow, 'paramsOriginal' | 'paramsDecomposed' | 'paramsFinal'>): string {
  const counts = [r.paramsOriginal, r.paramsDecomposed, r.paramsFinal]
    .filter((v): v is number => v !== null)
    .filter((v, i, a) => i === 0 || v !== a[i - 1]);
  return counts.length ? counts.map(formatParams).join(' → ') : '–';
}

export function formatRow(r: ComparisonRow): string[] {
  const params = formatParamsPath(r);
  return [
    r.isBaseline ? `${r.name} (baseline)` : r.name,
    r.scenario,
    r.status,
    String(r.epochs),
    formatPercent(r.bestAccuracy),
    formatPercent(r.finalAccuracy),
    params,
    formatDuration(r.trainingSeconds),
    r.isBaseline ? '1.00× (baseline)' : formatSpeedup(r.speedup),
    r.isBaseline ? '–' : formatChange(r.accuracyChange),
  ];
}

/** A cell of the terminal table: one line, pipes escaped. */
function escapeTextCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}



export function comparisonToMarkdown(c: Comparison): string {
  const lines = [
    `| ${COMPARISON_HEADERS.join(' | ')} |`,
    `|${COMPARISON_HEADERS.map((_, i) => (i >= 3 ? ' ---: ' : ' --- ')).join('|')}|`,
    ...c.rows.map((r) => `| ${formatRow(r).map(escapeMarkdownCell).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** The same table for a terminal: columns padded to their widest cell. */
export function comparisonToText(c: Comparison): string {
  const rows = [[...COMPARISON_HEADERS], ...c.rows.map((r) => formatRow(r).map(escapeTextCell))];
  const widths = COMPARISON_HEADERS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/**
 * One CSV cell. Text that a spreadsheet would take for a formula (starting with = + - @, or a tab
 * or carriage return that some strip first) gets a leading ' (OWASP's CSV-injection advice);
 * numbers stay numbers, negative ones included.
 */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with raw numbers (fractions, seconds), so spreadsheets can compute with them. */
export function comparisonToCsv(c: Comparison): string {
  const header = ['id', 'name', 'scenario', 'status', 'epochs', 'best_accuracy', 'final_accuracy', 'params_original', 'params_decomposed', 'params_final', 'training_seconds', 'speedup', 'accuracy_change_pp', 'baseline'];
  const rows = c.rows.map((r) => [r.id, r.name, r.scenario, r.status, r.epochs, r.bestAccuracy, r.finalAccuracy, r.paramsOriginal, r.paramsDecomposed, r.paramsFinal, r.trainingSeconds, r.speedup, r.accuracyChange, r.isBaseline].map(csvField).join(','));
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}
