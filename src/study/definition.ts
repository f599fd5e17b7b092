// What a study trains: presets, the study file (`*.study.json`, schemas/study.schema.json), and the
// scenarios a definition expands to (the paper's Tables 1–4 rows). Pure: no file system, no tfjs.
import { UserError } from '../core/userError';
import { scheduleProblem } from '../runs/schedule';
import type { RunConfig } from '../runs/types';
import type { StudyDefinition, StudyPresetName, StudyScenario } from './types';
import { STUDY_PRESETS } from './types';

/** The fields a study file may hold (all optional); flags of `tucker-train study` have the same names in kebab case. */
export interface StudyFields {
  name?: string;
  preset?: StudyPresetName;
  model?: string;
  dataset?: string;
  trainSubset?: number | null;
  epochs?: number;
  decomposeAt?: number[];
  reconstructAt?: number | null;
  finetuneAfterTraining?: number | null;
  rankPolicy?: string;
  quantize?: number | null;
  /** measured (default) or flops: how each layer's decomposition is decided (docs/design.md §5.7). */
  decide?: string;
  batchSize?: number;
  lr?: number;
  lrMilestones?: number[];
  lrGamma?: number;
  momentum?: number;
  weightDecay?: number;
  seed?: number;
  backend?: string;
  runsDir?: string;
}

export interface StudyPreset {
  name: StudyPresetName;
  /** One line for help texts and the VS Code picker. */
  summary: string;
  fields: Required<Omit<StudyFields, 'name' | 'preset' | 'runsDir' | 'backend' | 'quantize' | 'decide'>>;
}

/**
 * quick: sized for a 2-core CPU (about 15 minutes for all scenarios; the estimate from a measured
 * epoch is in docs/design.md §10): small-cnn on a fixed 5,000-image Fashion-MNIST subset,
 * validated on the whole 10,000-image test split, the quick demo's optimizer (weight decay 5e-3
 * lets EVBMF see structure after 2–3 epochs). paper-table: the paper's VGG19 schedule (Elhoushi et al., Tables 1–4). smoke: seconds,
 * generated data, for checking the setup and for tests (ratio ranks: EVBMF sees no structure after
 * one epoch of noise).
 */
export const PRESETS: Record<StudyPresetName, StudyPreset> = {
  quick: {
    name: 'quick',
    summary: 'small-cnn on 5,000 Fashion-MNIST images, 5 epochs, 5 scenarios: about 15 minutes on 2 CPU cores',
    fields: {
      model: 'small-cnn',
      dataset: 'fashion-mnist',
      trainSubset: 5000,
      epochs: 5,
      decomposeAt: [2, 3],
      reconstructAt: 4,
      finetuneAfterTraining: 1,
      rankPolicy: 'vbmf',
      batchSize: 64,
      lr: 0.05,
      lrMilestones: [4],
      lrGamma: 0.1,
      momentum: 0.9,
      weightDecay: 5e-3,
      seed: 1,
    },
  },
  'paper-table': {
    name: 'paper-table',
    summary:
      "the paper's VGG19 schedule: 200 epochs, decompose after 10/20/30/40/50, reconstruct after 190, original then 40 fine-tune epochs (a GPU or a patient CPU)",
    fields: {
      model: 'vgg19',
      dataset: 'fashion-mnist',
      trainSubset: null,
      epochs: 200,
      decomposeAt: [10, 20, 30, 40, 50],
      reconstructAt: 190,
      finetuneAfterTraining: 40,
      rankPolicy: 'vbmf',
      batchSize: 128,
      lr: 0.1,
      lrMilestones: [100, 150],
      lrGamma: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
      seed: 1,
    },
  },
  smoke: {
    name: 'smoke',
    summary: 'small-cnn on generated 16×16 images, 3 epochs, 4 scenarios: seconds (checks the setup)',
    fields: {
      model: 'small-cnn',
      dataset: 'synthetic',
      trainSubset: null,
      epochs: 3,
      decomposeAt: [1],
      reconstructAt: 2,
      finetuneAfterTraining: 1,
      rankPolicy: 'ratio:0.5',
      batchSize: 64,
      lr: 0.05,
      lrMilestones: [],
      lrGamma: 0.1,
      momentum: 0.9,
      weightDecay: 5e-3,
      seed: 1,
    },
  },
};

export function isStudyPreset(s: string): s is StudyPresetName {
  return (STUDY_PRESETS as readonly string[]).includes(s);
}

/** How the caller names the study's schedule fields in messages (flags, or a file's fields). */
export interface StudyFieldNames {
  epochs: string;
  decomposeAt: string;
  reconstructAt: string;
  finetuneAfterTraining: string;
}

export const STUDY_FLAGS: StudyFieldNames = {
  epochs: '--epochs',
  decomposeAt: '--decompose-at',
  reconstructAt: '--reconstruct-at',
  finetuneAfterTraining: '--finetune-after-training',
};

/** The schedule rules for a study (each scenario must be a valid run); throws a one-line UserError. */
export function checkStudySchedule(
  d: Pick<StudyDefinition, 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining'> & { epochs: number },
  names: StudyFieldNames = STUDY_FLAGS,
): void {
  const schedNames = { epochs: names.epochs, decomposeAt: names.decomposeAt, reconstructAt: names.reconstructAt };
  const problem = (decomposeAt: number | null, reconstructAt: number | null) =>
    scheduleProblem({ epochs: d.epochs, decomposeAt, reconstructAt }, schedNames);
  const first = problem(null, null);
  if (first) throw new UserError(first.message);
  const seen = new Set<number>();
  for (const at of d.decomposeAt) {
    const p = problem(at, null);
    if (p) throw new UserError(p.message);
    if (seen.has(at)) throw new UserError(`${names.decomposeAt}: epoch ${at} is listed twice; list each epoch once`);
    seen.add(at);
  }
  if (d.reconstructAt !== null) {
    if (!d.decomposeAt.length)
      throw new UserError(`${names.reconstructAt}: reconstruction needs a decomposition; give ${names.decomposeAt} too`);
    const p = problem(d.decomposeAt[0], d.reconstructAt);
    if (p) throw new UserError(`${p.message} (the reconstructed scenario decomposes after the first ${names.decomposeAt} epoch)`);
  }
  if (d.finetuneAfterTraining !== null && (!Number.isInteger(d.finetuneAfterTraining) || d.finetuneAfterTraining < 1))
    throw new UserError(`${names.finetuneAfterTraining}: must be a whole number ≥ 1, or none`);
}

/** The scenarios of a definition, in the order they run: the original first (every row's baseline). */
export function scenariosOf(d: StudyDefinition): StudyScenario[] {
  const plain: RunConfig = { ...d.base, decomposeAt: null, reconstructAt: null, finetuneAfterTraining: null };
  const out: { key: string; label: string; config: RunConfig }[] = [{ key: 'original', label: 'original', config: plain }];
  for (const at of d.decomposeAt)
    out.push({ key: `decompose-${at}`, label: `decomposed after ${at}`, config: { ...plain, decomposeAt: at } });
  if (d.reconstructAt !== null && d.decomposeAt.length) {
    const [at, r] = [d.decomposeAt[0], d.reconstructAt];
    out.push({
      key: `decompose-${at}-reconstruct-${r}`,
      label: `decomposed after ${at}, reconstructed after ${r}`,
      config: { ...plain, decomposeAt: at, reconstructAt: r },
    });
  }
  const f = d.finetuneAfterTraining;
  if (f !== null)
    out.push({ key: `finetune-${f}`, label: `original, then decomposed + ${f} fine-tune`, config: { ...plain, finetuneAfterTraining: f } });
  return out.map(({ key, label, config }) => ({
    key,
    label,
    config: { ...config, name: runName(d.name, key) },
    runId: null,
    status: 'pending',
  }));
}

/** A scenario's run name: the study's name and the scenario key, within the trainer's name rule. */
export function runName(study: string, key: string): string {
  const s = `${study}-${key}`.replace(/[^\w.\- ]+/g, '-');
  return s.length <= 80 ? s : `${s.slice(0, 79 - key.length)}-${key}`;
}
