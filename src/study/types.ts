// A study (docs/design.md §10): the paper's scenarios trained one after another on one model and
// data set, each an ordinary run folder in the runs directory, grouped by `study.json` in
// `<runsDir>/studies/<studyId>/` beside the report (report.md, results.csv, SVG plots).
import type { RunConfig, RunStatus } from '../runs/types';

export const STUDY_FORMAT_VERSION = 1;
export const STUDY_FILE = 'study.json';
/** The study folders' parent inside the runs directory (never a run id: those start with a date). */
export { STUDIES_DIR } from '../runs/types';

export const STUDY_PRESETS = ['quick', 'paper-table', 'smoke'] as const;
export type StudyPresetName = (typeof STUDY_PRESETS)[number];

/** What a study trains: the fields of a `*.study.json` file and of `tucker-train study`'s flags, resolved. */
export interface StudyDefinition {
  name: string;
  preset: StudyPresetName | null;
  /** Everything but the schedule (model, data, optimizer, backend…); `epochs` is the original's. */
  base: RunConfig;
  /** One "decomposed after epoch D" scenario each. */
  decomposeAt: number[];
  /** With the first decomposeAt: "decomposed and reconstructed after R"; null: no such scenario. */
  reconstructAt: number | null;
  /** "Original, then decomposed and fine-tuned F epochs"; null: no such scenario. */
  finetuneAfterTraining: number | null;
}

export type ScenarioStatus = RunStatus | 'pending';

export interface StudyScenario {
  /** Stable within the study: original, decompose-10, decompose-10-reconstruct-190, finetune-40. */
  key: string;
  /** In words, for the table and the plots' legend. */
  label: string;
  config: RunConfig;
  /** The scenario's run folder in the runs directory, once started. */
  runId: string | null;
  /** As last seen by the study runner; readers check the run's own run.json. */
  status: ScenarioStatus;
}

export type StudyStatus = 'running' | 'completed' | 'stopped' | 'failed';

/** The files of a finished study, relative to its folder. */
export interface StudyReportFiles {
  markdown: string;
  csv: string;
  plots: string[];
}

/** study.json, rewritten atomically on every change. */
export interface StudyRecord {
  version: number;
  id: string;
  name: string;
  createdAt: string;
  endedAt: string | null;
  status: StudyStatus;
  /** The process running the study while status is running. */
  pid: number | null;
  host: string;
  definition: StudyDefinition;
  scenarios: StudyScenario[];
  report: StudyReportFiles | null;
  error: string | null;
  /** Scenarios submitted as Slurm jobs (src/executor/slurm/study.ts): no process runs the study; a last job writes the report. Absent: local. */
  executor?: { kind: 'slurm'; reportJobId: string | null };
}
