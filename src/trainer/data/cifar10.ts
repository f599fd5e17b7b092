// CIFAR-10 binary version (docs/design.md §7.3): records of 1 label byte + 3072 bytes (1024 R, 1024 G,
// 1024 B, row-major 32×32). data_batch_1..5.bin train, test_batch.bin validation.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/userError';
import type { Dataset, Split } from './types';

export const CIFAR_RECORD = 1 + 3072;
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILE = 'test_batch.bin';

/** Checks the folder before any training: files present, sizes whole records, labels in range. */
export function checkCifarFolder(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(
      `dataset 'cifar10:${dir}': folder not found; point it at the folder holding data_batch_1.bin … test_batch.bin (the CIFAR-10 binary version)`,
    );
  }
  for (const name of [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE]) {
    const file = join(dir, name);
    if (!existsSync(file))
      throw new UserError(
        `dataset 'cifar10:${dir}': ${name} is missing; the folder needs data_batch_1.bin … data_batch_5.bin and test_batch.bin`,
      );
    const size = statSync(file).size;
    if (size === 0 || size % CIFAR_RECORD !== 0) {
      throw new UserError(
        `dataset 'cifar10:${dir}': ${file} is ${size} bytes, not a whole number of ${CIFAR_RECORD}-byte records (truncated or not the binary version?); re-extract it`,
      );
    }
  }
}

function readRecords(file: string): Split {
  const buf = readFileSync(file);
  const n = buf.length / CIFAR_RECORD;
  const x = new Float32Array(n * 3072);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * CIFAR_RECORD;
    const label = buf[o];
    if (label > 9) throw new UserError(`dataset cifar10: ${file} record ${i} has label ${label}, expected 0–9; the file is corrupt`);
    y[i] = label;
    // planar CHW bytes -> interleaved HWC floats in [0, 1]
    for (let p = 0; p < 1024; p++) {
      const d = (i * 1024 + p) * 3;
      x[d] = buf[o + 1 + p] / 255;
      x[d + 1] = buf[o + 1 + 1024 + p] / 255;
      x[d + 2] = buf[o + 1 + 2048 + p] / 255;
    }
  }
  return { x, y, n };
}

function concat(splits: Split[]): Split {
  const n = splits.reduce((s, p) => s + p.n, 0);
  const x = new Float32Array(n * 3072);
  const y = new Uint8Array(n);
  let at = 0;
  for (const s of splits) {
    x.set(s.x, at * 3072);
    y.set(s.y, at);
    at += s.n;
  }
  return { x, y, n };
}

/** Per-channel standardisation with the training set's mean and std, applied to both splits. */
export function normalizePerChannel(train: Split, val: Split, channels: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(channels).fill(0);
  const sq = new Array<number>(channels).fill(0);
  const count = train.x.length / channels;
  for (let i = 0; i < train.x.length; i++) {
    const v = train.x[i];
    mean[i % channels] += v;
    sq[i % channels] += v * v;
  }
  const std = mean.map((m, c) => {
    const mu = m / count;
    return Math.sqrt(Math.max(sq[c] / count - mu * mu, 1e-12));
  });
  for (let c = 0; c < channels; c++) mean[c] /= count;
  for (const s of [train, val])
    for (let i = 0; i < s.x.length; i++) {
      const c = i % channels;
      s.x[i] = (s.x[i] - mean[c]) / std[c];
    }
  return { mean, std };
}

export function loadCifar10(dir: string): Dataset {
  checkCifarFolder(dir);
  const train = concat(CIFAR_TRAIN_FILES.map((f) => readRecords(join(dir, f))));
  const val = readRecords(join(dir, CIFAR_TEST_FILE));
  normalizePerChannel(train, val, 3);
  return {
    name: `cifar10:${dir}`,
    description: `CIFAR-10 from ${dir}: ${train.n} train / ${val.n} test, 32×32×3, crop+flip augmentation`,
    inputShape: [32, 32, 3],
    numClasses: 10,
    train,
    val,
    augment: { pad: 4, flip: true },
  };
}
