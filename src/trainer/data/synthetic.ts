// Small generated data for tests and benchmarks: each class is a fixed random smooth pattern,
// samples are that pattern plus noise, so a conv net can learn it in a few steps.
import { createRng } from '../../core/random';
import type { Dataset, Split } from './types';

export interface SyntheticOptions {
  shape?: [number, number, number];
  numClasses?: number;
  train?: number;
  val?: number;
  seed?: number;
}

export function makeSynthetic(opts: SyntheticOptions = {}): Dataset {
  const [h, w, c] = opts.shape ?? [16, 16, 3];
  const numClasses = opts.numClasses ?? 10;
  const rng = createRng(opts.seed ?? 7);
  const size = h * w * c;
  const patterns: Float32Array[] = [];
  for (let k = 0; k < numClasses; k++) {
    const p = new Float32Array(size);
    const fy = 1 + Math.floor(rng.uniform() * 3),
      fx = 1 + Math.floor(rng.uniform() * 3);
    const phase = rng.uniform() * Math.PI * 2;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) {
          p[(y * w + x) * c + ch] = Math.sin(((fy * y) / h) * Math.PI * 2 + ((fx * x) / w) * Math.PI * 2 + phase + ch);
        }
    patterns.push(p);
  }
  const make = (n: number): Split => {
    const x = new Float32Array(n * size);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const k = i % numClasses;
      y[i] = k;
      const p = patterns[k];
      for (let j = 0; j < size; j++) x[i * size + j] = p[j] + 0.5 * rng.normal();
    }
    return { x, y, n };
  };
  const train = make(opts.train ?? 256);
  const val = make(opts.val ?? 64);
  return {
    name: 'synthetic',
    description: `synthetic patterns: ${train.n} train / ${val.n} validation, ${h}×${w}×${c}, ${numClasses} classes`,
    inputShape: [h, w, c],
    numClasses,
    train,
    val,
    augment: null,
  };
}
