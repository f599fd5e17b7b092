// The A·Bᵀ driver against a naive loop, with offsets, strides and accumulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmAbt } from './abt';
import { wasmSimdSupport } from './support';
import { createRng } from '../random';

const support = wasmSimdSupport();
const skip = support.simd ? false : 'WebAssembly SIMD is not available on this host';

function randomData(rows: number, cols: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return d;
}

/** Naive c (=|+=) A·Bᵀ on strided rows (the abtInto contract). */
function naiveAbt(
  a: ArrayLike<number>,
  aOff: number,
  aStride: number,
  n: number,
  b: ArrayLike<number>,
  bOff: number,
  bStride: number,
  m: number,
  p: number,
  c: Float64Array,
  cOff: number,
  cStride: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += a[aOff + i * aStride + k] * b[bOff + j * bStride + k];
      const at = cOff + i * cStride + j;
      c[at] = accumulate ? c[at] + s : s;
    }
  }
}

test('the WebAssembly A·Bᵀ equals a naive loop on odd sizes, with offsets, strides and accumulation', { skip }, () => {
  const shapes = [
    {},
    { r: 4, c: 2, u: 1, kb: 512, fma: false },
    { r: 3, c: 3, u: 1, kb: 6, fma: false },
    { r: 2, c: 4, u: 2, kb: 8, fma: false },
  ];
  // [n, m, p]
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 7, 5],
    [5, 3, 1000],
    [67, 13, 130],
    [13, 67, 33],
    [2, 1, 2],
    [9, 9, 3],
    [130, 64, 67],
  ];
  for (const shape of shapes) {
    const k = createWasmAbt(shape);
    assert.ok(k, 'kernel compiles');
    sizes.forEach(([n, m, p], s) => {
      const aOff = 3,
        aStride = p + 2,
        bOff = 5,
        bStride = p + 1,
        cOff = 7,
        cStride = m + 3;
      const a = randomData(1, aOff + n * aStride, 40 + s);
      const b = randomData(1, bOff + m * bStride, 60 + s);
      for (const accumulate of [false, true]) {
        const c0 = randomData(1, cOff + n * cStride, 80 + s);
        const want = Float64Array.from(c0);
        naiveAbt(a, aOff, aStride, n, b, bOff, bStride, m, p, want, cOff, cStride, accumulate);
        const got = Float64Array.from(c0);
        assert.equal(k.abtInto(a, aOff, aStride, n, b, bOff, bStride, m, p, got, cOff, cStride, accumulate), true);
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
        assert.ok(worst < 1e-12 * Math.sqrt(p), `${JSON.stringify(k.options)} ${n}×${m}×${p} acc=${accumulate}: error ${worst}`);
        // Entries outside the n×m block (stride gaps, before cOff) are untouched.
        for (let i = 0; i < cOff; i++) assert.equal(got[i], c0[i]);
        for (let i = 0; i < n; i++)
          for (let j = m; j < cStride && cOff + i * cStride + j < got.length; j++)
            assert.equal(got[cOff + i * cStride + j], c0[cOff + i * cStride + j]);
      }
    });
  }
});

test('the WebAssembly A·Bᵀ reads Float32Array and plain-array operands; empty sizes are no-ops or zeros', { skip }, () => {
  const k = createWasmAbt()!;
  const n = 11,
    m = 6,
    p = 17;
  const a = Float32Array.from(randomData(n, p, 1));
  const b = Array.from(randomData(m, p, 2));
  const got = new Float64Array(n * m);
  const want = new Float64Array(n * m);
  assert.equal(k.abtInto(a, 0, p, n, b, 0, p, m, p, got, 0, m, false), true);
  naiveAbt(a, 0, p, n, b, 0, p, m, p, want, 0, m, false);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-12 * (1 + Math.abs(want[i])));
  const c = new Float64Array(6).fill(7);
  assert.equal(k.abtInto(a, 0, p, 0, b, 0, p, 3, p, c, 0, 3, false), true);
  assert.deepEqual(Array.from(c), new Array(6).fill(7));
  assert.equal(k.abtInto(a, 0, p, 2, b, 0, p, 3, 0, c, 0, 3, true), true);
  assert.deepEqual(Array.from(c), new Array(6).fill(7));
  assert.equal(k.abtInto(a, 0, p, 2, b, 0, p, 3, 0, c, 0, 3, false), true);
  assert.deepEqual(Array.from(c), new Array(6).fill(0));
});
