// The paper's table for one or more finished runs: scenario, best and final accuracy, params,
// training time. Read from run folders, so it works for any run.
import { readRun } from '../runs/reader';
import { scenarioOf } from './schedule';

export interface RunSummary {
  name: string;
  scenario: string;
  status: string;
  bestAccuracy: number | null;
  finalAccuracy: number | null;
  paramsOriginal: number | null;
  paramsFinal: number | null;
  paramsDecomposed: number | null;
  seconds: number | null;
  epochs: number;
}

export async function summarizeRun(runDir: string): Promise<RunSummary> {
  const { info: run, metrics, events } = await readRun(runDir);
  if (!run) throw new Error(`${runDir}: run.json is missing or not valid`);
  const accs = metrics.map((m) => m.valAccuracy).filter((a): a is number => a !== null);
  const dec = events.find((e) => e.type === 'decompose');
  const last = metrics[metrics.length - 1];
  return {
    name: run.name,
    scenario: scenarioOf(run.config),
    status: run.status,
    bestAccuracy: accs.length ? Math.max(...accs) : null,
    finalAccuracy: accs.length ? accs[accs.length - 1] : null,
    paramsOriginal: metrics[0]?.params ?? (dec && dec.type === 'decompose' ? dec.paramsBefore : null),
    paramsFinal: last?.params ?? null,
    paramsDecomposed: dec && dec.type === 'decompose' ? dec.paramsAfter : null,
    seconds: last?.seconds ?? null,
    epochs: metrics.length,
  };
}

export function formatSummaryTable(rows: RunSummary[]): string {
  const head = ['scenario', 'best acc.', 'final acc.', 'params', 'training time', 'status'];
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)} %`);
  const n = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US'));
  // original → decomposed (→ merged back) : the parameter count of each phase the run went through
  const params = (r: RunSummary) => [r.paramsOriginal, r.paramsDecomposed, r.paramsFinal]
    .filter((v): v is number => v !== null)
    .filter((v, i, a) => i === 0 || v !== a[i - 1])
    .map(n).join(' → ');
  const body = rows.map((r) => [r.scenario, pct(r.bestAccuracy), pct(r.finalAccuracy), params(r), r.seconds === null ? '–' : `${r.seconds.toFixed(1)} s`, r.status]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
