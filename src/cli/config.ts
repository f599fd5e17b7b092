// Resolving and checking a training configuration from flags and/or a config file, before any
// run folder is created. Every refusal is one line naming the option or file and what to do.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCommandArgs } from './args';
import { UserError } from '../core/userError';
import { parseRankPolicy } from '../core/rankPolicy';
import { BACKEND_REQUESTS as BACKENDS, type BackendRequest, type RunConfig } from '../runs/types';
import { checkDatasetSpec } from '../trainer/data';
import { isZooName, ZOO_NAMES } from '../trainer/zoo';
import { scheduleProblem } from '../runs/schedule';
import { autoBounds } from '../runs/autoDecompose';
import { formatSwitchLr, parseSwitchLr } from '../trainer/sgd';
import { formatFreeze, parseFreeze } from '../trainer/freezing';
import { MAX_WASM_THREADS } from '../trainer/backend/threads';
import { absoluteDatasetSpec, absoluteModelPath } from './specPaths';
import { checkQuantizeWithDecide, parseDecide, parseQuantize } from '../trainer/decideSettings';
import { checkModelFile, checkRunsDir } from './inputChecks';
import { DEFAULT_CHECKPOINT_MINUTES } from '../runs/checkpoints';
import { SLURM_CLI_OPTIONS } from '../executor/slurm/options';
import { DEFAULT_LOG_EVERY_STEPS } from '../runs/steps';

/**
 * Defaults are the quick demo (`npm start`): small-cnn on the bundled digits, decomposed after 3
 * epochs and merged back after 7 of 8. The stronger weight decay (paper: 5e-4 over 200 epochs)
 * shrinks the random part of the kernels within a few epochs, so EVBMF sees their structure.
 * The learning rate drops ×0.1 after epoch 4 (the decomposed network settles: at the full rate
 * its validation accuracy swung between 57 and 69 %) and again after 7 (the merged kernels are
 * small after weight decay, so the full rate destabilised the fine-tune epoch).
 */
export const DEFAULT_CONFIG: RunConfig = {
  model: 'small-cnn',
  dataset: 'mnist',
  epochs: 8,
  decomposeAt: 3,
  reconstructAt: 7,
  finetuneAfterTraining: null,
  rankPolicy: 'vbmf',
  quantize: null,
  batchSize: 64,
  lr: 0.05,
  lrMilestones: [4, 7],
  lrGamma: 0.1,
  momentum: 0.9,
  weightDecay: 5e-3,
  seed: 1,
  backend: 'auto',
  runsDir: 'runs',
  name: null,
  checkpointEvery: null,
  checkpointMinutes: DEFAULT_CHECKPOINT_MINUTES,
  trainSubset: null,
  logEverySteps: DEFAULT_LOG_EVERY_STEPS,
  // The automatic decomposition epoch and the accuracy recipe (docs/design.md §4.4).
  autoMinEpoch: 2,
  autoMaxEpoch: null,
  keepFirstConv: true,
  switchLr: 'keep',
  factorDecay: null,
  freeze: 'none',
  threads: null,
  // Per layer, by timing on the run's backend (docs/design.md §5.7); SVD splits of 1×1 and Dense layers off.
  decide: 'measured',
  decomposePointwise: false,
  decomposeDense: false,
};

export const TRAIN_OPTIONS = {
  config: { type: 'string' },
  model: { type: 'string' },
  dataset: { type: 'string' },
  epochs: { type: 'string' },
  'decompose-at': { type: 'string' },
  'reconstruct-at': { type: 'string' },
  'finetune-after-training': { type: 'string' },
  'rank-policy': { type: 'string' },
  quantize: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'lr-milestones': { type: 'string' },
  'lr-gamma': { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  'runs-dir': { type: 'string' },
  name: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'checkpoint-minutes': { type: 'string' },
  'log-every-steps': { type: 'string' },
  'train-subset': { type: 'string' },
  'auto-min-epoch': { type: 'string' },
  'auto-max-epoch': { type: 'string' },
  'keep-first-conv': { type: 'boolean' },
  'no-keep-first-conv': { type: 'boolean' },
  'switch-lr': { type: 'string' },
  'factor-decay': { type: 'string' },
  freeze: { type: 'string' },
  threads: { type: 'string' },
  decide: { type: 'string' },
  'decompose-pointwise': { type: 'boolean' },
  'decompose-dense': { type: 'boolean' },
  baseline: { type: 'boolean' },
  ...SLURM_CLI_OPTIONS, // --executor and --slurm-* (src/executor/slurm/options.ts)
  ipc: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function num(flag: string, v: unknown, opts: { int?: boolean; min?: number; max?: number; minExclusive?: boolean } = {}): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const kind = opts.int ? 'an integer' : 'a number';
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n))) throw new UserError(`${flag}: '${String(v)}' is not ${kind}`);
  if (opts.min !== undefined && (opts.minExclusive ? n <= opts.min : n < opts.min))
    throw new UserError(`${flag}: ${n} must be ${opts.minExclusive ? 'greater than' : 'at least'} ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new UserError(`${flag}: ${n} must be at most ${opts.max}`);
  return n;
}

/** Minutes between periodic checkpoints: a number > 0, or none (also 0) for no time-based checkpoints. */
function checkpointMinutes(s: { flag: string; v: unknown }): number | null {
  if (s.v === null || s.v === undefined || s.v === 'none' || s.v === 0 || s.v === '0') return null;
  return num(s.flag, s.v, { min: 0, minExclusive: true, max: 7 * 24 * 60 });
}

function nullableInt(flag: string, v: unknown, min: number): number | null {
  return v === null || v === undefined || v === 'none' ? null : num(flag, v, { int: true, min });
}

/** Reads a config file (same fields as RunConfig, all optional). */
export function readConfigFile(path: string): Partial<RunConfig> {
  if (!existsSync(path)) throw new UserError(`--config ${path}: file not found`);
  let raw: unknown;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, ''); // editors on Windows may write a BOM
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `--config ${path}: ${code === 'EISDIR' ? 'is a folder; give the JSON file' : `cannot read it (${code ?? (e as Error).message})`}`,
    );
  }
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`--config ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UserError(`--config ${path}: expected a JSON object with RunConfig fields (model, dataset, epochs, …)`);
  const allowed = new Set(Object.keys(DEFAULT_CONFIG));
  for (const k of Object.keys(raw)) {
    if (k === '$schema') continue;
    if (!allowed.has(k)) throw new UserError(`--config ${path}: unknown field '${k}'; allowed: ${[...allowed].join(', ')}`);
  }
  const { $schema: _ignored, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/** Merges defaults < config file < flags and validates the result. */
export function resolveConfig(values: Record<string, string | boolean | undefined>): RunConfig {
  const file = typeof values.config === 'string' ? readConfigFile(values.config) : {};
  const src = (flag: string, key: keyof RunConfig): { flag: string; v: unknown } => {
    if (values[flag] !== undefined) return { flag: `--${flag}`, v: values[flag] };
    if (key in file) return { flag: `${values.config}: '${key}'`, v: (file as Record<string, unknown>)[key] };
    return { flag: `--${flag}`, v: DEFAULT_CONFIG[key] };
  };
  const str = (flag: string, key: keyof RunConfig): { flag: string; v: string } => {
    const s = src(flag, key);
    if (typeof s.v !== 'string' || s.v === '') throw new UserError(`${s.flag}: expected a non-empty string`);
    return { flag: s.flag, v: s.v };
  };

  const model = str('model', 'model');
  if (!isZooName(model.v) && !model.v.endsWith('.json')) {
    throw new UserError(
      `${model.flag}: unknown model '${model.v}'; use one of ${ZOO_NAMES.join(', ')} or a path to a TensorFlow.js model.json`,
    );
  }
  if (!isZooName(model.v)) checkModelFile(model.flag, model.v); // our reader, before any run folder exists
  const dataset = str('dataset', 'dataset');
  let trainCount: number | null;
  try {
    trainCount = checkDatasetSpec(dataset.v).trainCount;
  } catch (e) {
    throw new UserError(`${dataset.flag}: ${(e as Error).message.replace(/^--dataset /, '')}`);
  }
  const tsSrc = src('train-subset', 'trainSubset');
  const trainSubset = nullableInt(tsSrc.flag, tsSrc.v, 1);
  if (trainSubset !== null && trainCount !== null && trainSubset > trainCount)
    throw new UserError(
      `${tsSrc.flag}: ${trainSubset} is more than the ${trainCount} training images of '${dataset.v}'; choose at most ${trainCount}`,
    );

  const epochs = num(src('epochs', 'epochs').flag, src('epochs', 'epochs').v, { int: true, min: 1 });
  const baseline = values.baseline === true;
  const dSrc = src('decompose-at', 'decomposeAt');
  const decomposeAt = baseline ? null : dSrc.v === 'auto' ? ('auto' as const) : nullableInt(dSrc.flag, dSrc.v, 0);
  const minSrc = src('auto-min-epoch', 'autoMinEpoch');
  const maxSrc = src('auto-max-epoch', 'autoMaxEpoch');
  const autoMinEpoch = num(minSrc.flag, minSrc.v, { int: true, min: 1 });
  const autoMaxEpoch = nullableInt(maxSrc.flag, maxSrc.v, 1);
  const rSrc = src('reconstruct-at', 'reconstructAt');
  const reconstructAt = baseline ? null : nullableInt(rSrc.flag, rSrc.v, 1);
  const fSrc = src('finetune-after-training', 'finetuneAfterTraining');
  const finetune = nullableInt(fSrc.flag, fSrc.v, 1);

  if (finetune !== null) {
    if (values['decompose-at'] !== undefined || values['reconstruct-at'] !== undefined) {
      throw new UserError(
        '--finetune-after-training trains all epochs, then decomposes and fine-tunes; it cannot be combined with --decompose-at or --reconstruct-at',
      );
    }
  } else {
    const problem = scheduleProblem(
      { epochs, decomposeAt, reconstructAt, autoMinEpoch, autoMaxEpoch },
      { epochs: '--epochs', decomposeAt: dSrc.flag, reconstructAt: rSrc.flag, autoMinEpoch: minSrc.flag, autoMaxEpoch: maxSrc.flag },
    );
    if (problem) throw new UserError(problem.message);
  }

  const policy = str('rank-policy', 'rankPolicy');
  try {
    parseRankPolicy(policy.v);
  } catch (e) {
    throw new UserError(`${policy.flag}: ${(e as Error).message}`);
  }
  const qSrc = src('quantize', 'quantize');
  const quantize = parseQuantize(qSrc.v, qSrc.flag);
  const decideSrc = src('decide', 'decide');
  const decide = parseDecide(decideSrc.v, decideSrc.flag);
  checkQuantizeWithDecide(quantize, decide, qSrc.flag);
  const splits = {
    decomposePointwise: flagBool(src('decompose-pointwise', 'decomposePointwise')),
    decomposeDense: flagBool(src('decompose-dense', 'decomposeDense')),
  };
  const lrS = src('lr', 'lr');
  const msS = src('lr-milestones', 'lrMilestones');
  const milestones =
    typeof msS.v === 'string'
      ? msS.v.trim() === ''
        ? []
        : msS.v.split(',').map((p) => num(msS.flag, p.trim(), { int: true, min: 1 }))
      : Array.isArray(msS.v)
        ? msS.v.map((p) => num(msS.flag, p, { int: true, min: 1 }))
        : (() => {
            throw new UserError(`${msS.flag}: expected comma-separated epochs, e.g. 100,150`);
          })();
  const backendS = src('backend', 'backend');
  if (!BACKENDS.includes(backendS.v as BackendRequest))
    throw new UserError(`${backendS.flag}: '${String(backendS.v)}' is not one of ${BACKENDS.join(', ')}`);
  const runsDir = resolve(str('runs-dir', 'runsDir').v);
  checkRunsDir(runsDir);
  const nameS = src('name', 'name');
  const name = nameS.v === null || nameS.v === undefined ? null : String(nameS.v);
  // Letters and digits of any script (été, 実験), spaces, '.', '_', '-': a folder name on every OS.
  if (name !== null && !/^[\p{L}\p{M}\p{N}_.\- ]{1,80}$/u.test(name))
    throw new UserError(`${nameS.flag}: '${name}' may use letters (of any script), digits, spaces, '.', '_' and '-' only (1 to 80)`);
  const ceS = src('checkpoint-every', 'checkpointEvery');
  const recipe = resolveRecipe(values, src);
  const frSrc = src('freeze', 'freeze');
  const freeze = formatFreeze(parseFreeze(frSrc.v, frSrc.flag));
  if (freeze !== 'none' && finetune === null && decomposeAt === null)
    throw new UserError(
      `${frSrc.flag}: '${freeze}' freezes the factors of a decomposed network; give --decompose-at (this run never decomposes)`,
    );
  const thSrc = src('threads', 'threads');
  const threads = thSrc.v === 'auto' ? null : nullableInt(thSrc.flag, thSrc.v, 1);
  if (threads !== null && threads > MAX_WASM_THREADS) throw new UserError(`${thSrc.flag}: ${threads} must be at most ${MAX_WASM_THREADS}`);

  return {
    model: absoluteModelPath(model.v, isZooName(model.v)), // absolute: resume works from anywhere
    dataset: absoluteDatasetSpec(dataset.v),
    epochs,
    decomposeAt: finetune !== null ? null : decomposeAt,
    reconstructAt: finetune !== null ? null : reconstructAt,
    finetuneAfterTraining: finetune,
    rankPolicy: policy.v,
    quantize,
    batchSize: num(src('batch-size', 'batchSize').flag, src('batch-size', 'batchSize').v, { int: true, min: 1, max: 8192 }),
    lr: num(lrS.flag, lrS.v, { min: 0, minExclusive: true }),
    lrMilestones: milestones,
    lrGamma: num(src('lr-gamma', 'lrGamma').flag, src('lr-gamma', 'lrGamma').v, { min: 0, minExclusive: true, max: 1 }),
    momentum: num(src('momentum', 'momentum').flag, src('momentum', 'momentum').v, { min: 0, max: 0.999 }),
    weightDecay: num(src('weight-decay', 'weightDecay').flag, src('weight-decay', 'weightDecay').v, { min: 0 }),
    seed: num(src('seed', 'seed').flag, src('seed', 'seed').v, { int: true, min: 0 }),
    backend: backendS.v as BackendRequest,
    runsDir,
    name,
    checkpointEvery: nullableInt(ceS.flag, ceS.v, 1),
    checkpointMinutes: checkpointMinutes(src('checkpoint-minutes', 'checkpointMinutes')),
    logEverySteps: num(src('log-every-steps', 'logEverySteps').flag, src('log-every-steps', 'logEverySteps').v, {
      int: true,
      min: 0,
      max: 1_000_000,
    }),
    trainSubset,
    autoMinEpoch,
    // Resolved: run.json records the bounds the run actually used.
    autoMaxEpoch:
      decomposeAt === 'auto' && finetune === null ? autoBounds({ epochs, reconstructAt, autoMinEpoch, autoMaxEpoch }).max : autoMaxEpoch,
    ...recipe,
    freeze,
    threads,
    decide,
    ...splits,
  };
}

function flagBool(s: { flag: string; v: unknown }): boolean {
  if (typeof s.v !== 'boolean') throw new UserError(`${s.flag}: expected true or false`);
  return s.v;
}

/** --keep-first-conv / --no-keep-first-conv, --switch-lr, --factor-decay (docs/design.md §4.4). */
function resolveRecipe(
  values: Record<string, string | boolean | undefined>,
  src: (flag: string, key: keyof RunConfig) => { flag: string; v: unknown },
): Pick<RunConfig, 'keepFirstConv' | 'switchLr' | 'factorDecay'> {
  if (values['keep-first-conv'] && values['no-keep-first-conv'])
    throw new UserError('--keep-first-conv and --no-keep-first-conv contradict each other; give one');
  const kSrc = src('keep-first-conv', 'keepFirstConv');
  const keep = values['no-keep-first-conv'] ? false : kSrc.v;
  if (typeof keep !== 'boolean') throw new UserError(`${kSrc.flag}: expected true or false`);
  const sSrc = src('switch-lr', 'switchLr');
  if (typeof sSrc.v !== 'string') throw new UserError(`${sSrc.flag}: expected 'keep' or 'restart:N'`);
  const switchLr = formatSwitchLr(parseSwitchLr(sSrc.v, sSrc.flag));
  const fSrc = src('factor-decay', 'factorDecay');
  const off = fSrc.v === null || fSrc.v === undefined || fSrc.v === 'off' || fSrc.v === 'none';
  const x = off ? 0 : num(fSrc.flag, fSrc.v, { min: 0 });
  return { keepFirstConv: keep, switchLr, factorDecay: x > 0 ? x : null };
}

export function parseTrainArgs(argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const r = parseCommandArgs('train', argv, TRAIN_OPTIONS);
  return { values: r.values, positionals: r.positionals };
}
