// Deterministic test inputs shared by the backend tests.

/** Pseudo-random values in [-1, 1) from a 32-bit LCG: the same arrays on every run and backend. */
export function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}
