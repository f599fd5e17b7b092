import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/userError';
import { createRng } from '../../core/random';
import { loadCifar10, checkCifarFolder, CIFAR_RECORD, CIFAR_TRAIN_FILES } from './cifar10';
import { checkIdxFolder, FASHION_MNIST_DEBIAN_DIR, loadIdxFolder } from './idx';
import { loadMnist } from './mnist';
import { balancedSubset } from './split';
import { makeSynthetic } from './synthetic';
import type { Dataset } from './types';

export type { Dataset, Split, Augmentation } from './types';

const FORMS = "'mnist', 'fashion-mnist', 'fashion-mnist:<folder>', 'idx:<folder>', 'synthetic', 'synthetic:HxWxC' or 'cifar10:<folder>'";

const APT_HINT = `; install it with 'apt-get install dataset-fashion-mnist' or give fashion-mnist:<folder>`;

function parseSyntheticShape(spec: string): [number, number, number] {
  const m = /^synthetic:(\d+)x(\d+)x(\d+)$/.exec(spec);
  if (!m) throw new UserError(`--dataset '${spec}': expected ${FORMS}, e.g. synthetic:32x32x3`);
  const shape = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  if (shape.some((v) => v < 1 || v > 512)) throw new UserError(`--dataset '${spec}': each size must be 1–512`);
  return shape;
}

/** An MNIST-format folder named by a spec: which folder, and how to name and check it. */
interface IdxSpec {
  dir: string;
  what: string;
  title: string;
  numClasses: number | null;
  missingHint: string;
}

/**
 * `fashion-mnist` (Debian's path, so a missing folder means a missing package), `fashion-mnist:<folder>`
 * or `idx:<folder>`; null for other specs. `debianDir` is a parameter for the tests.
 */
export function idxSpecOf(spec: string, debianDir = FASHION_MNIST_DEBIAN_DIR): IdxSpec | null {
  const what = `dataset '${spec}'`;
  if (spec === 'fashion-mnist') return { dir: debianDir, what, title: 'Fashion-MNIST', numClasses: 10, missingHint: APT_HINT };
  if (spec.startsWith('fashion-mnist:')) {
    const dir = spec.slice('fashion-mnist:'.length);
    if (!dir) throw new UserError(`--dataset '${spec}': give the folder after 'fashion-mnist:'`);
    return { dir, what, title: 'Fashion-MNIST', numClasses: 10, missingHint: '' };
  }
  if (spec.startsWith('idx:')) {
    const dir = spec.slice('idx:'.length);
    if (!dir) throw new UserError(`--dataset '${spec}': give the folder after 'idx:' (MNIST-format files)`);
    return { dir, what, title: 'IDX data', numClasses: null, missingHint: '' };
  }
  return null;
}

export interface DatasetCheck {
  /** Images in the training split, when known without loading the data. */
  trainCount: number | null;
}

/** Validates a dataset spec without loading the data (called before a run folder is created). */
export function checkDatasetSpec(spec: string): DatasetCheck {
  if (spec === 'mnist') return { trainCount: null };
  if (spec === 'synthetic') return { trainCount: 256 };
  if (spec.startsWith('synthetic:')) {
    parseSyntheticShape(spec);
    return { trainCount: 256 };
  }
  if (spec.startsWith('cifar10:')) {
    const dir = spec.slice('cifar10:'.length);
    checkCifarFolder(dir);
    return { trainCount: CIFAR_TRAIN_FILES.reduce((n, f) => n + statSync(join(dir, f)).size / CIFAR_RECORD, 0) };
  }
  const idx = idxSpecOf(spec);
  if (idx) return checkIdxFolder(idx.dir, idx.what, idx.missingHint);
  throw new UserError(`--dataset '${spec}': unknown dataset; expected ${FORMS}`);
}

export interface LoadOptions {
  /** Train on a fixed, class-balanced subset of this many training images (validation stays whole). */
  trainSubset?: number | null;
}

function loadWhole(spec: string): Dataset {
  if (spec === 'mnist') return loadMnist();
  if (spec === 'synthetic') return makeSynthetic();
  if (spec.startsWith('synthetic:')) {
    const d = makeSynthetic({ shape: parseSyntheticShape(spec) });
    return { ...d, name: spec };
  }
  const idx = idxSpecOf(spec);
  if (idx)
    return loadIdxFolder(idx.dir, {
      what: idx.what,
      name: spec,
      title: idx.title,
      numClasses: idx.numClasses,
      missingHint: idx.missingHint,
    });
  return loadCifar10(spec.slice('cifar10:'.length));
}

export function loadDataset(spec: string, opts: LoadOptions = {}): Dataset {
  checkDatasetSpec(spec);
  const d = loadWhole(spec);
  const n = opts.trainSubset ?? null;
  if (n === null || n >= d.train.n) {
    if (n !== null && n > d.train.n)
      throw new UserError(`--train-subset ${n}: dataset '${spec}' has only ${d.train.n} training images; choose at most ${d.train.n}`);
    return d;
  }
  // Fixed seed: every run (and every scenario of a study) gets the same subset.
  const train = balancedSubset(d.train, n, d.numClasses, createRng(20190528));
  return { ...d, train, description: `${d.description}; training on a fixed subset of ${n} of the ${d.train.n} training images` };
}
