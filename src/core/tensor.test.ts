import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unfold, fold, modeProduct, frobeniusNorm } from './tensor';
import { createRng } from './random';
import type { Tensor } from './types';

function randomTensor(shape: number[], seed: number): Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return { shape, data };
}

/** C-order multi-index of a flat index. */
function indexOf(flat: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

function flatOf(idx: number[], shape: number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

test('unfold puts mode n on rows and the other modes in increasing order, last fastest', () => {
  const shape = [2, 3, 4, 5];
  const t = randomTensor(shape, 1);
  for (let mode = 0; mode < shape.length; mode++) {
    const m = unfold(t, mode);
    const others = shape.filter((_, d) => d !== mode);
    assert.equal(m.rows, shape[mode]);
    assert.equal(
      m.cols,
      others.reduce((a, b) => a * b, 1),
    );
    for (let f = 0; f < t.data.length; f++) {
      const idx = indexOf(f, shape);
      const col = flatOf(
        idx.filter((_, d) => d !== mode),
        others,
      );
      assert.equal(m.data[idx[mode] * m.cols + col], t.data[f]);
    }
  }
});

test('unfold of a 2-D tensor along mode 0 is the matrix itself and along mode 1 its transpose', () => {
  const t: Tensor = { shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(Array.from(unfold(t, 0).data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(unfold(t, 1).data), [1, 4, 2, 5, 3, 6]);
});

test('fold inverts unfold for every mode', () => {
  const shape = [3, 3, 4, 6];
  const t = randomTensor(shape, 2);
  for (let mode = 0; mode < shape.length; mode++) {
    const back = fold(unfold(t, mode), mode, shape);
    assert.deepEqual(back.shape, shape);
    assert.deepEqual(Array.from(back.data), Array.from(t.data));
  }
});

test('modeProduct agrees with a naive loop on every mode', () => {
  const shape = [3, 2, 4, 5];
  const t = randomTensor(shape, 3);
  const rng = createRng(4);
  for (let mode = 0; mode < shape.length; mode++) {
    const nd = 3 + mode;
    const m = { rows: nd, cols: shape[mode], data: new Float64Array(nd * shape[mode]) };
    for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
    const r = modeProduct(t, m, mode);
    const outShape = shape.slice();
    outShape[mode] = nd;
    assert.deepEqual(r.shape, outShape);
    const total = outShape.reduce((a, b) => a * b, 1);
    for (let f = 0; f < total; f++) {
      const idx = indexOf(f, outShape);
      let acc = 0;
      for (let i = 0; i < shape[mode]; i++) {
        const src = idx.slice();
        src[mode] = i;
        acc += m.data[idx[mode] * m.cols + i] * t.data[flatOf(src, shape)];
      }
      assert.ok(Math.abs(r.data[f] - acc) <= 1e-12 * (1 + Math.abs(acc)), `mode ${mode} index ${f}`);
    }
  }
});

test('modeProduct equals U·unfold(t) folded back', () => {
  const shape = [3, 3, 8, 6];
  const t = randomTensor(shape, 5);
  const rng = createRng(6);
  const u = { rows: 4, cols: 8, data: new Float64Array(32) };
  for (let i = 0; i < 32; i++) u.data[i] = rng.normal();
  const r = unfold(modeProduct(t, u, 2), 2);
  const x = unfold(t, 2);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < x.cols; j++) {
      let acc = 0;
      for (let p = 0; p < 8; p++) acc += u.data[i * 8 + p] * x.data[p * x.cols + j];
      assert.ok(Math.abs(r.data[i * r.cols + j] - acc) < 1e-12);
    }
  }
});

test('shape mistakes are reported with what was received', () => {
  const t = randomTensor([2, 3], 7);
  assert.throws(() => unfold(t, 2), /mode must be an integer in \[0, 1\], received 2/);
  assert.throws(() => fold({ rows: 2, cols: 2, data: new Float64Array(4) }, 0, [2, 3]), /does not unfold/);
  assert.throws(() => modeProduct(t, { rows: 2, cols: 2, data: new Float64Array(4) }, 1), /need cols = 3/);
});

test('frobeniusNorm matches √Σx², also for extreme scales', () => {
  assert.equal(frobeniusNorm({ data: [3, 4] }), 5);
  assert.equal(frobeniusNorm({ data: new Float32Array([0, 0]) }), 0);
  assert.ok(Math.abs(frobeniusNorm({ data: [3e200, 4e200] }) / 5e200 - 1) < 1e-15);
  assert.ok(Math.abs(frobeniusNorm({ data: [3e-200, 4e-200] }) / 5e-200 - 1) < 1e-15);
});
