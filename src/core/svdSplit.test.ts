import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svdSplit } from './svdSplit';
import { chooseDenseRank } from './rankPolicy';
import { singularValues } from './linalg';
import { createRng } from './random';
import type { Matrix } from './types';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = createRng(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) };
}

function productError(w: Matrix, a: Matrix, b: Matrix): number {
  assert.equal(a.cols, b.rows);
  let d = 0,
    n = 0;
  for (let i = 0; i < w.rows; i++)
    for (let j = 0; j < w.cols; j++) {
      let s = 0;
      for (let q = 0; q < a.cols; q++) s += a.data[i * a.cols + q] * b.data[q * b.cols + j];
      d += (s - w.data[i * w.cols + j]) ** 2;
      n += w.data[i * w.cols + j] ** 2;
    }
  return Math.sqrt(d / n);
}

for (const [rows, cols] of [
  [30, 50],
  [50, 30],
] as const) {
  test(`svdSplit ${rows}×${cols}: exact at full rank, best rank-r error below it`, () => {
    const w = randomMatrix(rows, cols, rows);
    const full = svdSplit(w, 30);
    assert.ok(productError(w, full.first, full.second) < 1e-12);
    assert.ok(full.relError < 1e-12);
    const s = singularValues(w);
    let total = 0;
    for (const x of s) total += x * x;
    for (const r of [1, 7, 20]) {
      const sp = svdSplit(w, r);
      assert.deepEqual([sp.first.rows, sp.first.cols, sp.second.rows, sp.second.cols], [rows, r, r, cols]);
      let tail = 0;
      for (let i = r; i < s.length; i++) tail += s[i] * s[i];
      const best = Math.sqrt(tail / total);
      assert.ok(Math.abs(sp.relError - best) < 1e-10, `${sp.relError} vs ${best}`);
      assert.ok(Math.abs(productError(w, sp.first, sp.second) - best) < 1e-10);
    }
    assert.throws(() => svdSplit(w, 31), /rank 31/);
  });
}

test('svdSplit reuses the analysis of chooseDenseRank', () => {
  const w = randomMatrix(20, 64, 5);
  const c = chooseDenseRank(w, { policy: { kind: 'energy', fraction: 0.8 } });
  const sp = svdSplit(w, c.rank, c.analysis);
  assert.ok(Math.abs(productError(w, sp.first, sp.second) - sp.relError) < 1e-10);
  assert.ok(sp.relError <= Math.sqrt(0.2) + 1e-12);
});
