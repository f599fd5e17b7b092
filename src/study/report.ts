// A finished study's report beside its study.json: report.md with the paper-style table (the one
// table of src/runs/compare.ts, the original scenario as baseline) and the plots, results.csv
// (the same table in raw numbers) and the two SVG figures.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareRuns,
  comparisonToCsv,
  comparisonToMarkdown,
  formatChange,
  formatDuration,
  formatPercent,
  formatSpeedup,
  type ComparedRun,
  type Comparison,
} from '../runs/compare';
import { readRun } from '../runs/reader';
import { renderAccuracyPlots } from './plots';
import type { StudyRecord, StudyReportFiles } from './types';

export const REPORT_FILE = 'report.md';
export const RESULTS_CSV = 'results.csv';

export interface StudyResults {
  runs: { key: string; label: string; run: ComparedRun }[];
  comparison: Comparison;
}

/** The scenarios' run folders as read now, and the table with the original as baseline. */
export async function collectResults(record: StudyRecord, runsDir: string): Promise<StudyResults> {
  const runs: StudyResults['runs'] = [];
  for (const sc of record.scenarios) {
    if (!sc.runId) continue;
    const r = await readRun(join(runsDir, sc.runId));
    if (r.info) runs.push({ key: sc.key, label: sc.label, run: { info: r.info, metrics: r.metrics, events: r.events } });
  }
  const original = runs.find((r) => r.key === 'original');
  const comparison = compareRuns(
    runs.map((r) => r.run),
    original?.run.info.id ?? null,
  );
  return { runs, comparison };
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_[\]|<>]/g, '\\$&');
}

/** One sentence per decomposed scenario against the original: what the paper's tables are read for. */
function findings(results: StudyResults): string[] {
  const lines: string[] = [];
  const original = results.comparison.rows.find((r) => r.isBaseline);
  for (const { key, label, run } of results.runs) {
    if (key === 'original') continue;
    const row = results.comparison.rows.find((r) => r.id === run.info.id);
    if (!row) continue;
    if (row.status !== 'completed') {
      lines.push(`- **${escapeMd(label)}**: ${row.status}${run.info.error ? ` (${escapeMd(run.info.error)})` : ''}.`);
      continue;
    }
    const change = row.accuracyChange;
    const verdict =
      change === null
        ? ''
        : change >= 0
          ? ': no accuracy lost'
          : change >= -1
            ? ': within 1 point of the original'
            : ': more than 1 point below the original';
    lines.push(
      `- **${escapeMd(label)}**: speedup ${formatSpeedup(row.speedup)} (${formatDuration(row.trainingSeconds)} against ${formatDuration(original?.trainingSeconds ?? null)}), final accuracy ${formatPercent(row.finalAccuracy)} (${formatChange(change)}${verdict}); ${decomposedLayers(run)}.`,
    );
  }
  return lines;
}

/** How much of the network the decomposition changed: a scenario where EVBMF kept every layer is the original in disguise. */
function decomposedLayers(run: ComparedRun): string {
  const e = run.events?.find((x) => x.type === 'decompose');
  if (!e || e.type !== 'decompose') return 'never decomposed';
  const done = e.layers.filter((l) => !l.skipped).length;
  if (done === 0) return `no convolution decomposed (all ${e.layers.length} skipped: the network stayed the original)`;
  return `${done} of ${e.layers.length} convolutions decomposed after epoch ${e.epoch}, ${e.paramsBefore.toLocaleString('en-US')} → ${e.paramsAfter.toLocaleString('en-US')} parameters`;
}

export function studyMarkdown(record: StudyRecord, results: StudyResults, plots: { file: string; title: string }[]): string {
  const d = record.definition;
  const b = d.base;
  const first = results.runs[0]?.run.info;
  const total = results.comparison.rows.reduce((s, r) => s + (r.trainingSeconds ?? 0), 0);
  const data = `${b.dataset}${b.trainSubset ? ` (training subset of ${b.trainSubset} images)` : ''}`;
  const lines = [
    `# Study: ${escapeMd(record.name)}`,
    '',
    `${escapeMd(b.model)} on ${escapeMd(data)}, ${b.epochs} epochs per scenario${d.preset ? ` (preset \`${d.preset}\`)` : ''}; SGD lr ${b.lr}` +
      `${b.lrMilestones.length ? ` ×${b.lrGamma} after epochs ${b.lrMilestones.join(', ')}` : ''}, momentum ${b.momentum}, weight decay ${b.weightDecay}, batch ${b.batchSize}, ranks \`${b.rankPolicy}\`.`,
    `Backend: ${escapeMd(first?.backend ? `${first.backend.used} on ${first.backend.device}` : 'unknown')}; host ${escapeMd(first?.host.hostname ?? 'unknown')} (${first?.host.cpus ?? '?'} CPUs). ` +
      `${results.runs.length} scenarios, ${formatDuration(total)} of training in all, run one after another. Accuracy is on the validation split (the official test split for IDX data).`,
    '',
    '## Results',
    '',
    comparisonToMarkdown(results.comparison).trimEnd(),
    '',
    "Speedup = the original's training time ÷ the scenario's (wall clock, decomposition and validation included); accuracy change = final accuracy minus the original's, in percentage points.",
    '',
    ...findings(results),
    '',
  ];
  for (const p of plots) lines.push(`## ${p.title}`, '', `![${p.title}](${p.file})`, '');
  lines.push(
    '## Files',
    '',
    `- \`${RESULTS_CSV}\`: the table above in raw numbers (fractions, seconds).`,
    `- \`study.json\`: the definition and each scenario's run folder; the runs are in \`../..\`:`,
    ...results.runs.map((r) => `  - ${escapeMd(r.label)}: \`${r.run.info.id}\``),
    '',
  );
  return lines.join('\n');
}

/** Writes report.md, results.csv and the SVG plots into the study folder; returns their names. */
export async function writeStudyReport(studyDir: string, record: StudyRecord, runsDir: string): Promise<StudyReportFiles> {
  const results = await collectResults(record, runsDir);
  const plots = await renderAccuracyPlots(results.runs.map((r) => ({ label: r.label, metrics: r.run.metrics })));
  for (const p of plots) writeFileSync(join(studyDir, p.file), p.svg);
  writeFileSync(join(studyDir, RESULTS_CSV), comparisonToCsv(results.comparison));
  writeFileSync(join(studyDir, REPORT_FILE), studyMarkdown(record, results, plots));
  return { markdown: REPORT_FILE, csv: RESULTS_CSV, plots: plots.map((p) => p.file) };
}
