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

/**
 * A fixed training subset of `n` samples, balanced over the classes (each gets ⌈n / classes⌉ at
 * most while others have samples left). The choice depends only on the data, never on the run's
 * seed, so every scenario of a study trains on the same images.
 */
export function balancedSubset(s: Split, n: number, numClasses: number, rng: Rng): Split {
  if (n >= s.n) return s;
  const size = s.x.length / s.n;
  const order = shuffledIndices(s.n, rng);
  const quota = Math.ceil(n / numClasses);
  const counts = new Array<number>(numClasses).fill(0);
  const taken = new Uint8Array(s.n);
  const chosen: number[] = [];
  for (let i = 0; i < s.n && chosen.length < n; i++) {
    const k = order[i];
    if (counts[s.y[k]] < quota) {
      counts[s.y[k]]++;
      taken[k] = 1;
      chosen.push(k);
    }
  }
  for (let i = 0; i < s.n && chosen.length < n; i++) if (!taken[order[i]]) chosen.push(order[i]); // rare classes left room
  chosen.sort((a, b) => a - b);
  const x = new Float32Array(n * size);
  const y = new Uint8Array(n);
  chosen.forEach((k, i) => {
    x.set(s.x.subarray(k * size, (k + 1) * size), i * size);
    y[i] = s.y[k];
  });
  return { x, y, n };
}
