import { UserError } from '../../core/userError';
import { loadCifar10, checkCifarFolder } from './cifar10';
import { loadMnist } from './mnist';
import { makeSynthetic } from './synthetic';
import type { Dataset } from './types';

export type { Dataset, Split } from './types';

const FORMS = "'mnist', 'synthetic', 'synthetic:HxWxC' or 'cifar10:<folder>'";

function parseSyntheticShape(spec: string): [number, number, number] {
  const m = /^synthetic:(\d+)x(\d+)x(\d+)$/.exec(spec);
  if (!m) throw new UserError(`--dataset '${spec}': expected ${FORMS}, e.g. synthetic:32x32x3`);
  const shape = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  if (shape.some((v) => v < 1 || v > 512)) throw new UserError(`--dataset '${spec}': each size must be 1–512`);
  return shape;
}

/** Validates a dataset spec without loading it (called before a run folder is created). */
export function checkDatasetSpec(spec: string): void {
  if (spec === 'mnist' || spec === 'synthetic') return;
  if (spec.startsWith('synthetic:')) {
    parseSyntheticShape(spec);
    return;
  }
  if (spec.startsWith('cifar10:')) {
    checkCifarFolder(spec.slice('cifar10:'.length));
    return;
  }
  throw new UserError(`--dataset '${spec}': unknown dataset; expected ${FORMS}`);
}

export function loadDataset(spec: string): Dataset {
  checkDatasetSpec(spec);
  if (spec === 'mnist') return loadMnist();
  if (spec === 'synthetic') return makeSynthetic();
  if (spec.startsWith('synthetic:')) {
    const d = makeSynthetic({ shape: parseSyntheticShape(spec) });
    return { ...d, name: spec };
  }
  return loadCifar10(spec.slice('cifar10:'.length));
}
