import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '../../src/trainer/backend/setup';

let ready: Promise<unknown> | null = null;
/** The same backend set-up the engine uses (wasm with our kernels), once per test file. */
export function useWasm(): Promise<unknown> {
  ready ??= setupBackend('wasm');
  return ready;
}

export function tempDir(prefix = 'tucker-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

export function randomInput(n: number, shape: [number, number, number], seed = 3): Float32Array {
  let s = seed;
  const x = new Float32Array(n * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = s / 2147483648 - 0.5;
  }
  return x;
}

export { tf };
