// Paths inside a run's configuration are stored absolute, so `resume` works from any directory
// (docs/design.md §4.1). Only the path part of a `<kind>:<path>` dataset spec is touched.
import { resolve } from 'node:path';

/** Dataset kinds whose suffix is not a path. */
const NOT_A_PATH = new Set(['synthetic']);

/** `cifar10:data/cifar` → `cifar10:/abs/data/cifar`; `mnist`, `synthetic:8x8x3` unchanged. */
export function absoluteDatasetSpec(spec: string, cwd = process.cwd()): string {
  const m = /^([a-z][a-z0-9-]+):(.+)$/i.exec(spec);
  if (!m || NOT_A_PATH.has(m[1].toLowerCase())) return spec;
  return `${m[1]}:${resolve(cwd, m[2])}`;
}

/** A model given as a path (not a zoo name): absolute. */
export function absoluteModelPath(model: string, isZoo: boolean, cwd = process.cwd()): string {
  return isZoo ? model : resolve(cwd, model);
}
