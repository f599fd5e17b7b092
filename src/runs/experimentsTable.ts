// The experiments table (VS Code's Compare runs): its columns, and the rules for sorting and
// filtering rows. Pure, so the webview renders what these say and the tests check the rules.
import {
  formatChange,
  formatDuration,
  formatParamsPath,
  formatPercent,
  formatSpeedup,
  type ComparisonRow,
} from './compare';

export type ColumnId =
  | 'name' | 'status' | 'model' | 'dataset' | 'epochs' | 'scenario' | 'rankPolicy' | 'backend' | 'lr' | 'batch'
  | 'best' | 'final' | 'params' | 'time' | 'speedup' | 'change' | 'tags' | 'started';

export interface Column {
  id: ColumnId;
  title: string;
  /** Longer text for the header's tooltip. */
  description: string;
  numeric: boolean;
  /** Shown unless the user hides it (the column chooser). */
  shownByDefault: boolean;
  text(r: ComparisonRow): string;
  /** What sorting compares; null sorts last whichever the direction. */
  sortValue(r: ComparisonRow): number | string | null;
}

/** Paths shortened to keep the table narrow: cifar10:/data/cifar → cifar10:…/cifar, /a/b/m/model.json → m/model.json. */
export function shortSpec(spec: string): string {
  if (!/[\\/]/.test(spec)) return spec;
  const colon = /^[a-z][a-z0-9-]+:(?![\\/]{2})/i.exec(spec)?.[0] ?? ''; // a dataset kind, not a Windows drive or URL
  const parts = spec.slice(colon.length).split(/[\\/]/).filter(Boolean);
  return colon ? `${colon}…/${parts[parts.length - 1] ?? ''}` : parts.slice(-2).join('/');
}

export const COLUMNS: readonly Column[] = [
  { id: 'name', title: 'Run', description: 'the run’s name (★ starred); click to make it the baseline', numeric: false, shownByDefault: true,
    text: (r) => `${r.starred ? '★ ' : ''}${r.name}${r.isBaseline ? ' (baseline)' : ''}`, sortValue: (r) => r.name.toLowerCase() },
  { id: 'status', title: 'Status', description: 'status as shown (crashed: run.json says running but its process is gone)', numeric: false, shownByDefault: true,
    text: (r) => r.status, sortValue: (r) => r.status },
  { id: 'model', title: 'Model', description: 'zoo model or model.json', numeric: false, shownByDefault: true,
    text: (r) => shortSpec(r.model), sortValue: (r) => r.model.toLowerCase() },
  { id: 'dataset', title: 'Dataset', description: 'dataset spec', numeric: false, shownByDefault: true,
    text: (r) => shortSpec(r.dataset), sortValue: (r) => r.dataset.toLowerCase() },
  { id: 'epochs', title: 'Epochs', description: 'epochs trained / in the schedule', numeric: true, shownByDefault: true,
    text: (r) => (r.epochs === r.plannedEpochs ? String(r.epochs) : `${r.epochs}/${r.plannedEpochs}`), sortValue: (r) => r.plannedEpochs },
  { id: 'scenario', title: 'Schedule', description: 'the schedule, as in the paper’s tables', numeric: false, shownByDefault: true,
    text: (r) => r.scenario, sortValue: (r) => r.scenario },
  { id: 'rankPolicy', title: 'Ranks', description: 'rank policy (vbmf = EVBMF)', numeric: false, shownByDefault: true,
    text: (r) => r.rankPolicy, sortValue: (r) => r.rankPolicy },
  { id: 'backend', title: 'Backend', description: 'backend used (or asked for, before the run started)', numeric: false, shownByDefault: true,
    text: (r) => r.backend, sortValue: (r) => r.backend },
  { id: 'lr', title: 'LR', description: 'initial learning rate', numeric: true, shownByDefault: true,
    text: (r) => String(r.lr), sortValue: (r) => r.lr },
  { id: 'batch', title: 'Batch', description: 'batch size', numeric: true, shownByDefault: true,
    text: (r) => String(r.batchSize), sortValue: (r) => r.batchSize },
  { id: 'best', title: 'Best acc.', description: 'best validation accuracy (training accuracy without validation)', numeric: true, shownByDefault: true,
    text: (r) => formatPercent(r.bestAccuracy), sortValue: (r) => r.bestAccuracy },
  { id: 'final', title: 'Final acc.', description: 'validation accuracy of the last epoch', numeric: true, shownByDefault: true,
    text: (r) => formatPercent(r.finalAccuracy), sortValue: (r) => r.finalAccuracy },
  { id: 'params', title: 'Params', description: 'trainable parameters: original → decomposed → final', numeric: true, shownByDefault: true,
    text: (r) => formatParamsPath(r), sortValue: (r) => r.paramsDecomposed ?? r.paramsFinal ?? r.paramsOriginal },
  { id: 'time', title: 'Time', description: 'wall-clock training time (decomposition included)', numeric: true, shownByDefault: true,
    text: (r) => formatDuration(r.trainingSeconds), sortValue: (r) => r.trainingSeconds },
  { id: 'speedup', title: 'Speedup', description: 'baseline training time ÷ this run’s', numeric: true, shownByDefault: true,
    text: (r) => (r.isBaseline ? '1.00× (baseline)' : formatSpeedup(r.speedup)), sortValue: (r) => (r.isBaseline ? 1 : r.speedup) },
  { id: 'change', title: 'Δ accuracy', description: 'final accuracy minus the baseline’s, in percentage points', numeric: true, shownByDefault: true,
    text: (r) => (r.isBaseline ? '–' : formatChange(r.accuracyChange)), sortValue: (r) => (r.isBaseline ? 0 : r.accuracyChange) },
  { id: 'tags', title: 'Tags', description: 'tags given in the Runs tree', numeric: false, shownByDefault: false,
    text: (r) => r.tags.join(', '), sortValue: (r) => (r.tags.length ? r.tags.join(',').toLowerCase() : null) },
  { id: 'started', title: 'Started', description: 'when the run started (UTC)', numeric: false, shownByDefault: false,
    text: (r) => (r.startedAt ? r.startedAt.replace('T', ' ').slice(0, 16) : '–'), sortValue: (r) => r.startedAt },
];

export function column(id: string): Column | undefined {
  return COLUMNS.find((c) => c.id === id);
}

export interface SortOrder {
  column: ColumnId;
  descending: boolean;
}

/** Clicking a header: a new column sorts ascending (numbers: descending, best first), the same one flips. */
export function nextSort(current: SortOrder | null, clicked: ColumnId): SortOrder {
  if (current?.column === clicked) return { column: clicked, descending: !current.descending };
  return { column: clicked, descending: column(clicked)?.numeric ?? false };
}

/** Rows sorted by a column; missing values last in both directions; ties keep the given order. */
export function sortRows(rows: readonly ComparisonRow[], order: SortOrder | null): ComparisonRow[] {
  const col = order ? column(order.column) : undefined;
  if (!order || !col) return [...rows];
  const sign = order.descending ? -1 : 1;
  return rows
    .map((r, i) => ({ r, i, v: col.sortValue(r) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

/**
 * Rows whose text matches every word of the filter (case-insensitive) in any column, shown or not,
 * or in its id or tags; `status:running`-style words match that column only.
 */
export function filterRows(rows: readonly ComparisonRow[], filter: string): ComparisonRow[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...rows];
  return rows.filter((r) =>
    words.every((w) => {
      const m = /^([a-z]+):(.+)$/.exec(w);
      const col = m ? column(COLUMNS.find((c) => c.id.toLowerCase() === m[1] || c.title.toLowerCase() === m[1])?.id ?? '') : undefined;
      if (col && m) return col.text(r).toLowerCase().includes(m[2]);
      return [r.id, ...r.tags, ...COLUMNS.map((c) => c.text(r))].some((t) => t.toLowerCase().includes(w));
    }),
  );
}

/** The columns to show: the chooser's saved choice (unknown ids dropped), else the defaults. */
export function shownColumns(saved: readonly string[] | undefined): Column[] {
  if (!saved) return COLUMNS.filter((c) => c.shownByDefault);
  const set = new Set(saved);
  const cols = COLUMNS.filter((c) => set.has(c.id));
  return cols.length ? cols : COLUMNS.filter((c) => c.id === 'name');
}
