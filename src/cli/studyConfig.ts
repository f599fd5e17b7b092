// Resolving a study definition: preset < study file (`*.study.json`) < flags. The run settings
// (model, data, optimizer, backend, runs folder) go through the one run-config resolution
// (config.ts); the study's own schedule (a list of decomposition epochs, reconstruction,
// fine-tuning) is checked by src/study/definition.ts. Every refusal is one line.
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/userError';
import { checkStudySchedule, isStudyPreset, PRESETS, type StudyFields } from '../study/definition';
import { STUDY_PRESETS, type StudyDefinition, type StudyPresetName } from '../study/types';
import { resolveConfig } from './config';
import { SLURM_CLI_OPTIONS } from '../executor/slurm/options';

/** Fields of a study file, each with the JSON type it must have (the schema says the same for editors). */
export const STUDY_FILE_FIELDS: Record<keyof StudyFields, 'string' | 'number' | 'number?' | 'numbers'> = {
  name: 'string',
  preset: 'string',
  model: 'string',
  dataset: 'string',
  trainSubset: 'number?',
  epochs: 'number',
  decomposeAt: 'numbers',
  reconstructAt: 'number?',
  finetuneAfterTraining: 'number?',
  rankPolicy: 'string',
  quantize: 'number?',
  decide: 'string',
  batchSize: 'number',
  lr: 'number',
  lrMilestones: 'numbers',
  lrGamma: 'number',
  momentum: 'number',
  weightDecay: 'number',
  seed: 'number',
  backend: 'string',
  runsDir: 'string',
};

/** The flag of each field (kebab case), as `tucker-train study` takes it. */
const FLAG_OF = {
  name: 'name',
  preset: 'preset',
  model: 'model',
  dataset: 'dataset',
  trainSubset: 'train-subset',
  epochs: 'epochs',
  decomposeAt: 'decompose-at',
  reconstructAt: 'reconstruct-at',
  finetuneAfterTraining: 'finetune-after-training',
  rankPolicy: 'rank-policy',
  quantize: 'quantize',
  decide: 'decide',
  batchSize: 'batch-size',
  lr: 'lr',
  lrMilestones: 'lr-milestones',
  lrGamma: 'lr-gamma',
  momentum: 'momentum',
  weightDecay: 'weight-decay',
  seed: 'seed',
  backend: 'backend',
  runsDir: 'runs-dir',
} as const satisfies Record<keyof StudyFields, string>;

/** A string option for each flag: the study's field flags are the ones FLAG_OF names, so they cannot drift apart. */
function stringOptions<F extends string>(flags: readonly F[]): { [K in F]: { type: 'string' } } {
  return Object.fromEntries(flags.map((f) => [f, { type: 'string' }])) as { [K in F]: { type: 'string' } };
}

export const STUDY_OPTIONS = {
  ...stringOptions(Object.values(FLAG_OF)),
  resume: { type: 'string' },
  report: { type: 'string' },
  ...SLURM_CLI_OPTIONS, // --executor and --slurm-* (src/executor/slurm/options.ts)
  ipc: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Reads and type-checks a study file; unknown fields are refused (a typo would silently do nothing). */
export function readStudyFile(path: string): StudyFields {
  if (!existsSync(path)) throw new UserError(`${path}: study file not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UserError(`${path}: expected a JSON object with study fields (preset, model, dataset, epochs, decomposeAt, …)`);
  for (const [k, v] of Object.entries(raw)) {
    if (k === '$schema') continue;
    const type = STUDY_FILE_FIELDS[k as keyof StudyFields];
    if (!type) throw new UserError(`${path}: unknown field '${k}'; allowed: ${Object.keys(STUDY_FILE_FIELDS).join(', ')}`);
    const ok =
      type === 'string'
        ? typeof v === 'string'
        : type === 'number'
          ? typeof v === 'number'
          : type === 'number?'
            ? v === null || typeof v === 'number'
            : Array.isArray(v) && v.every((x) => typeof x === 'number');
    const want = { string: 'a string', number: 'a number', 'number?': 'a number or null', numbers: 'an array of numbers' }[type];
    if (!ok) throw new UserError(`${path}: '${k}' must be ${want}, got ${JSON.stringify(v)}`);
  }
  const { $schema: _ignored, ...fields } = raw as Record<string, unknown>;
  return fields;
}

function epochList(flag: string, v: string): number[] {
  if (v.trim() === '' || v.trim() === 'none') return [];
  return v.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 0)
      throw new UserError(`${flag}: '${p.trim()}' is not an epoch; give comma-separated whole numbers, e.g. 10,20,30`);
    return n;
  });
}

function optionalEpoch(flag: string, v: string): number | null {
  if (v === 'none') return null;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 1) throw new UserError(`${flag}: '${v}' must be a whole number ≥ 1, or none`);
  return n;
}

/** A study name within the run-name rule, from the preset and the data set when none is given. */
function defaultName(preset: StudyPresetName | null, dataset: string): string {
  const data = dataset.split(':')[0];
  return `${preset ?? 'study'}-${data}`.replace(/[^\w.-]+/g, '-').slice(0, 60);
}

/** Merges preset < file < flags into a checked definition. Creates the runs folder if needed (as `train` does). */
export function resolveStudy(values: Record<string, string | boolean | undefined>, file: string | null): StudyDefinition {
  const fromFile = file ? readStudyFile(file) : {};
  const presetFlag = typeof values.preset === 'string' ? values.preset : undefined;
  const presetName = presetFlag ?? fromFile.preset ?? (file ? null : 'quick');
  if (presetName !== null && !isStudyPreset(presetName)) {
    const where = presetFlag !== undefined ? '--preset' : `${file}: 'preset'`;
    throw new UserError(`${where}: unknown preset '${presetName}'; use one of ${STUDY_PRESETS.join(', ')}`);
  }
  const preset = presetName ? PRESETS[presetName].fields : null;
  /** How messages name a field: the file's field when the value came from the file, else the flag. */
  const where = (k: keyof StudyFields) => (values[FLAG_OF[k]] === undefined && k in fromFile ? `${file}: '${k}'` : `--${FLAG_OF[k]}`);

  // Run settings as flag strings, so the one run-config resolution checks them.
  const runValues: Record<string, string | boolean | undefined> = { baseline: true };
  const fromFileOrPreset = (k: keyof StudyFields): unknown => (k in fromFile ? fromFile[k] : preset?.[k as keyof typeof preset]);
  const runKeys: (keyof StudyFields)[] = [
    'model',
    'dataset',
    'trainSubset',
    'epochs',
    'rankPolicy',
    'quantize',
    'decide',
    'batchSize',
    'lr',
    'lrMilestones',
    'lrGamma',
    'momentum',
    'weightDecay',
    'seed',
    'backend',
    'runsDir',
  ];
  for (const k of runKeys) {
    const flag = FLAG_OF[k];
    if (values[flag] !== undefined) runValues[flag] = values[flag];
    else {
      const v = fromFileOrPreset(k);
      if (v !== undefined) runValues[flag] = v === null ? 'none' : Array.isArray(v) ? v.join(',') : String(v);
    }
  }
  if (!file && !preset) throw new UserError('study: give --preset or a study file');
  let base;
  try {
    base = resolveConfig(runValues);
  } catch (e) {
    // Name the file's field, not the flag, when the value came from the file.
    const m = e instanceof UserError ? /^--([\w-]+)/.exec(e.message) : null;
    const key = m ? (Object.keys(FLAG_OF) as (keyof StudyFields)[]).find((k) => FLAG_OF[k] === m[1]) : undefined;
    if (e instanceof UserError && key) throw new UserError(e.message.replace(/^--[\w-]+/, where(key)));
    throw e;
  }

  const sched = (k: 'decomposeAt' | 'reconstructAt' | 'finetuneAfterTraining') => {
    const flag = FLAG_OF[k];
    const v = values[flag];
    if (typeof v === 'string') return k === 'decomposeAt' ? epochList(`--${flag}`, v) : optionalEpoch(`--${flag}`, v);
    const f = fromFileOrPreset(k);
    return f === undefined ? (k === 'decomposeAt' ? [] : null) : f;
  };
  const definition: StudyDefinition = {
    name: '',
    preset: presetName,
    base,
    decomposeAt: sched('decomposeAt') as number[],
    reconstructAt: sched('reconstructAt') as number | null,
    finetuneAfterTraining: sched('finetuneAfterTraining') as number | null,
  };
  checkStudySchedule(
    { ...definition, epochs: base.epochs },
    {
      epochs: where('epochs'),
      decomposeAt: where('decomposeAt'),
      reconstructAt: where('reconstructAt'),
      finetuneAfterTraining: where('finetuneAfterTraining'),
    },
  );
  const nameValue = typeof values.name === 'string' ? values.name : fromFile.name;
  if (nameValue !== undefined && !/^[\w.\- ]{1,60}$/.test(nameValue))
    throw new UserError(`${where('name')}: '${nameValue}' may use letters, digits, spaces, '.', '_' and '-' only (at most 60)`);
  definition.name = nameValue ?? defaultName(presetName, base.dataset);
  return definition;
}
