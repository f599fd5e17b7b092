// What "Run decomposition study" asks for, the trainer's command line for it, and how a study's
// progress reads in the Runs tree and the notification. Pure: no vscode, tested by studyRequest.test.ts.
import type { BackendRequest } from '../runs/types';
import { PRESETS } from '../study/definition';
import type { StudyPresetName, StudyRecord, StudyStatus } from '../study/types';

export interface StudyRequest {
  /** A preset, or a `*.study.json` file (its own preset and fields). */
  preset: StudyPresetName | null;
  studyFile?: string;
  /** Replaces the preset's data set (paper-table on CIFAR-10, a Fashion-MNIST folder); null: the preset's. */
  dataset: string | null;
  backend: BackendRequest;
  runsDir: string;
}

export interface StudyChoice {
  preset: StudyPresetName;
  label: string;
  detail: string;
}

/** The palette's choices, in the order shown: the CLI's presets and their one-line summaries. */
export const STUDY_CHOICES: readonly StudyChoice[] = [
  { preset: 'quick', label: 'Quick study: small CNN on Fashion-MNIST', detail: PRESETS.quick.summary },
  { preset: 'paper-table', label: "Paper's table: VGG19 schedule", detail: PRESETS['paper-table'].summary },
  { preset: 'smoke', label: 'Smoke study: small CNN on generated data', detail: PRESETS.smoke.summary },
];

/** Arguments for `node dist/cli.js …`: the study command, forked with an IPC channel. */
export function studyArgs(r: StudyRequest): string[] {
  const args = ['study'];
  if (r.studyFile) args.push(r.studyFile);
  if (r.preset) args.push('--preset', r.preset);
  if (r.dataset) args.push('--dataset', r.dataset);
  args.push('--backend', r.backend, '--runs-dir', r.runsDir, '--ipc');
  return args;
}

/** The epochs of the first scenario (the original): what the notification counts first. */
export function firstScenarioEpochs(r: StudyRequest): number {
  return r.preset ? PRESETS[r.preset].fields.epochs : 1;
}

/** A study as shown: its status, where the process is gone, and how many scenarios have finished. */
export interface StudyView {
  status: StudyStatus | 'interrupted';
  done: number;
  total: number;
  /** Index of the scenario training now, if any. */
  current: number | null;
}

/**
 * `runStatus` gives each scenario run's displayed status (run.json, corrected for a dead owner).
 * A study recorded as running whose process is gone (`alive` false) is shown as interrupted: it
 * can be resumed with `tucker-train study --resume`.
 */
export function studyView(record: StudyRecord, runStatus: (runId: string) => string | null, alive: boolean): StudyView {
  let done = 0;
  let current: number | null = null;
  record.scenarios.forEach((s, i) => {
    const st = s.runId ? (runStatus(s.runId) ?? s.status) : 'pending';
    if (st === 'completed' || st === 'failed') done++;
    else if (st === 'running' && current === null) current = i;
  });
  const status = record.status === 'running' && !alive ? 'interrupted' : record.status;
  return { status, done, total: record.scenarios.length, current: status === 'running' ? current : null };
}

/** One line: "running · scenario 2/5: decomposed after 2 · epoch 3/5", "completed · 5 scenarios". */
export function studyDescription(record: StudyRecord, v: StudyView, epoch: { epoch: number; total: number } | null): string {
  if (v.status === 'completed') return `completed · ${v.total} scenarios`;
  if (v.status === 'running' && v.current !== null) {
    const parts = [`running · scenario ${v.current + 1}/${v.total}: ${record.scenarios[v.current].label}`];
    if (epoch) parts.push(`epoch ${epoch.epoch}/${epoch.total}`);
    return parts.join(' · ');
  }
  return `${v.status} · ${v.done}/${v.total} scenarios done`;
}
