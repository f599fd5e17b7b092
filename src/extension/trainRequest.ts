// What "Start decomposed training" asks the trainer to do, and how that becomes the trainer's
// command line. Pure: no vscode, tested by trainRequest.test.ts.
import type { BackendRequest } from '../runs/types';

export interface TrainRequest {
  model: string;
  dataset: string;
  epochs: number;
  decomposeAt: number | null;
  reconstructAt: number | null;
  rankPolicy: string;
  quantize: number | null;
  backend: BackendRequest;
  runsDir: string;
  name: string;
  /** A `*.tucker.json` file: its fields win over the model/dataset/schedule above. */
  configFile?: string;
}

export interface Preset {
  id: string;
  label: string;
  detail: string;
  model: string;
  dataset: string | 'cifar10';   // 'cifar10' asks for the data folder
  epochs: number;
  decomposeAt: number | null;
  reconstructAt: number | null;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'quick-demo',
    label: 'Quick demo: small CNN on the bundled MNIST digits',
    detail: '4 epochs, decomposed after epoch 2 (EVBMF ranks), no reconstruction — a few minutes on one CPU core',
    model: 'small-cnn', dataset: 'mnist', epochs: 4, decomposeAt: 2, reconstructAt: null,
  },
  {
    id: 'smoke',
    label: 'Smoke test: small CNN on generated data',
    detail: '5 short epochs on 256 generated 16×16 images, decomposed after epoch 2 — checks the setup in seconds',
    model: 'small-cnn', dataset: 'synthetic', epochs: 5, decomposeAt: 2, reconstructAt: null,
  },
  {
    id: 'quick-reconstruct',
    label: 'Quick demo with reconstruction',
    detail: '6 epochs: original 2, decomposed 3, reconstructed (lossless merge) and fine-tuned 1',
    model: 'small-cnn', dataset: 'mnist', epochs: 6, decomposeAt: 2, reconstructAt: 5,
  },
  {
    id: 'paper-vgg19',
    label: 'Paper schedule: VGG19 on CIFAR-10',
    detail: 'decompose early, train the small network, reconstruct and fine-tune at the end (needs the CIFAR-10 binary files)',
    model: 'vgg19', dataset: 'cifar10', epochs: 200, decomposeAt: 10, reconstructAt: 190,
  },
  {
    id: 'baseline',
    label: 'Baseline: small CNN without decomposition',
    detail: 'the same schedule as the quick demo, never decomposed — the reference for Compare runs',
    model: 'small-cnn', dataset: 'mnist', epochs: 4, decomposeAt: null, reconstructAt: null,
  },
];

/** Run names the trainer accepts: letters, digits, spaces, '.', '_' and '-', at most 80. */
export function sanitizeRunName(s: string): string {
  const cleaned = s.replace(/[^\w.\- ]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-. ]+|[-. ]+$/g, '').slice(0, 80);
  return cleaned || 'run';
}

function optional(n: number | null): string {
  return n === null ? 'none' : String(n);
}

/** Arguments for `node dist/cli.js …` (the trainer's `train` command, forked with an IPC channel). */
export function trainerArgs(r: TrainRequest): string[] {
  const args = ['train'];
  if (r.configFile) {
    args.push('--config', r.configFile);
  } else {
    args.push('--model', r.model, '--dataset', r.dataset, '--epochs', String(r.epochs),
      '--decompose-at', optional(r.decomposeAt), '--reconstruct-at', optional(r.decomposeAt === null ? null : r.reconstructAt),
      '--rank-policy', r.rankPolicy, '--backend', r.backend);
    if (r.quantize !== null) args.push('--quantize', String(r.quantize));
  }
  args.push('--runs-dir', r.runsDir, '--name', sanitizeRunName(r.name), '--ipc');
  return args;
}

/** Checks a schedule typed by the user; returns an error message or null. */
export function checkSchedule(epochs: number, decomposeAt: number | null, reconstructAt: number | null): string | null {
  if (!Number.isInteger(epochs) || epochs < 1) return `epochs must be a whole number ≥ 1 (got ${epochs})`;
  if (decomposeAt !== null && (!Number.isInteger(decomposeAt) || decomposeAt < 0 || decomposeAt >= epochs)) return `decompose after epoch must be between 0 and ${epochs - 1} (got ${decomposeAt})`;
  if (reconstructAt !== null) {
    if (decomposeAt === null) return 'reconstruction needs a decomposition epoch';
    if (!Number.isInteger(reconstructAt) || reconstructAt <= decomposeAt || reconstructAt > epochs) return `reconstruct after epoch must be between ${decomposeAt + 1} and ${epochs} (got ${reconstructAt})`;
  }
  return null;
}

/** Parses "10", "none" or "" (none) into an epoch number or null; undefined when invalid. */
export function parseOptionalEpoch(s: string): number | null | undefined {
  const t = s.trim().toLowerCase();
  if (t === '' || t === 'none' || t === 'never') return null;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** How far into the current epoch a progress message is (0..1), whether `step` counts within the epoch or since the start. */
export function epochFraction(step: number, stepsPerEpoch: number): number {
  if (!(stepsPerEpoch > 0) || !(step >= 0)) return 0;
  const inEpoch = step > stepsPerEpoch ? step % stepsPerEpoch : step;
  return Math.min(1, inEpoch / stepsPerEpoch);
}
