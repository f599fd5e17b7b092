import type { Split } from './types';

interface Rng {
  uniform(): number;
}

export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** Shuffles samples once and cuts the last `valFraction` off as validation. */
export function splitDeterministic(
  images: Float32Array[],
  labels: number[],
  size: number,
  valFraction: number,
  rng: Rng,
): { train: Split; val: Split } {
  const order = shuffledIndices(images.length, rng);
  const nVal = Math.round(images.length * valFraction);
  const nTrain = images.length - nVal;
  const pack = (from: number, n: number): Split => {
    const x = new Float32Array(n * size);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const k = order[from + i];
      x.set(images[k], i * size);
      y[i] = labels[k];
    }
    return { x, y, n };
  };
  return { train: pack(0, nTrain), val: pack(nTrain, nVal) };
}
