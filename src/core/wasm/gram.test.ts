// The Gram kernel and its module bytes against a naive triple loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmGram } from './gram';
import { gramModuleBytes } from './gramKernel';
import { wasmSimdSupport } from './support';
import { tridiagModuleBytes } from './tridiag';
import { createRng } from '../random';

const support = wasmSimdSupport();
const skip = support.simd ? false : 'WebAssembly SIMD is not available on this host';

function randomData(rows: number, cols: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return d;
}

function naiveGram(x: Float64Array, n: number, m: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += x[i * m + k] * x[j * m + k];
      g[i * n + j] = s;
    }
  }
  return g;
}

/** max |a − b| / sqrt(g_ii g_jj): the scale of entry (i, j) of a Gram (Cauchy–Schwarz). */
function gramError(a: Float64Array, b: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const scale = Math.sqrt(b[i * n + i] * b[j * n + j]) || 1;
      worst = Math.max(worst, Math.abs(a[i * n + j] - b[i * n + j]) / scale);
    }
  }
  return worst;
}

const SIZES: [number, number][] = [
  [1, 1],
  [3, 7],
  [5, 1000],
  [67, 130],
  [130, 67],
  [2, 1],
  [9, 3],
];

test('the module bytes validate wherever SIMD does, and are deterministic', { skip }, () => {
  assert.equal(WebAssembly.validate(gramModuleBytes({ r: 4, c: 2, u: 1, kb: 512, fma: false })), true);
  assert.equal(WebAssembly.validate(tridiagModuleBytes()), true);
  assert.deepEqual(gramModuleBytes({ r: 3, c: 3, u: 2, kb: 64, fma: false }), gramModuleBytes({ r: 3, c: 3, u: 2, kb: 64, fma: false }));
  assert.ok(gramModuleBytes({ r: 3, c: 3, u: 1, kb: 512, fma: false }).length < 4096, 'small enough for synchronous compilation anywhere');
});

test('the WebAssembly Gram equals a naive triple loop on odd sizes, for several block shapes', { skip }, () => {
  const shapes = [
    {},
    { r: 4, c: 2, u: 1, kb: 512, fma: false },
    { r: 3, c: 3, u: 1, kb: 6, fma: false }, // tiny k-blocks: many accumulation passes
    { r: 2, c: 4, u: 2, kb: 8, fma: false },
    { r: 3, c: 3, u: 1, kb: 512, fma: true }, // plain SIMD where relaxed SIMD does not validate
  ];
  for (const shape of shapes) {
    const k = createWasmGram(shape);
    assert.ok(k, 'kernel compiles');
    SIZES.forEach(([n, m], s) => {
      const x = randomData(n, m, 11 + s);
      const g = new Float64Array(n * n).fill(NaN);
      assert.equal(k.gramInto(x, n, m, g), true);
      const err = gramError(g, naiveGram(x, n, m), n);
      assert.ok(err < 1e-13, `${JSON.stringify(k.options)} ${n}×${m}: error ${err}`);
    });
  }
});

test('the WebAssembly Gram is exactly symmetric and reads Float32Array input', { skip }, () => {
  const k = createWasmGram()!;
  const n = 67,
    m = 130;
  const x = Float32Array.from(randomData(n, m, 5));
  const g = new Float64Array(n * n);
  k.gramInto(x, n, m, g);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(g[i * n + j], g[j * n + i]);
  assert.ok(gramError(g, naiveGram(Float64Array.from(x), n, m), n) < 1e-13);
});

test('memory grows across calls of increasing size and smaller calls after still give exact results', { skip }, () => {
  const k = createWasmGram()!;
  let prev = k.memoryBytes();
  const sizes: [number, number][] = [
    [4, 8],
    [40, 300],
    [130, 900],
    [300, 1200],
    [5, 9],
  ];
  const grown: number[] = [];
  sizes.forEach(([n, m], s) => {
    const x = randomData(n, m, 100 + s);
    const g = new Float64Array(n * n);
    assert.equal(k.gramInto(x, n, m, g), true);
    assert.ok(gramError(g, naiveGram(x, n, m), n) < 1e-13, `${n}×${m}`);
    const now = k.memoryBytes();
    assert.ok(now >= prev);
    grown.push(now);
    prev = now;
  });
  assert.ok(grown[3] > grown[0], 'memory grew');
  assert.ok(grown[3] >= (300 * 1200 + 300 * 300) * 8);
});

test('n = 0 and m = 0 give the empty and the zero Gram', { skip }, () => {
  const k = createWasmGram()!;
  assert.equal(k.gramInto(new Float64Array(0), 0, 5, new Float64Array(0)), true);
  const g = new Float64Array(9).fill(7);
  assert.equal(k.gramInto(new Float64Array(0), 3, 0, g), true);
  assert.deepEqual(Array.from(g), new Array(9).fill(0));
});

test('Gram block shapes with equal k-blocks give bit-identical results (one packing for R = 4, C = 2; two for 2×4)', { skip }, () => {
  const shapes = [
    { r: 4, c: 2 },
    { r: 2, c: 4 },
    { r: 3, c: 3 },
    { r: 2, c: 2 },
    { r: 4, c: 4 },
    { r: 4, c: 2, u: 2 },
    { r: 6, c: 3, u: 2 },
  ];
  for (const [n, m] of [
    [67, 130],
    [9, 3],
    [130, 1030],
  ] as const) {
    const x = randomData(n, m, n + m);
    const results = shapes.map((s) => {
      const k = createWasmGram({ u: 1, ...s, kb: 64, fma: false })!;
      const g = new Float64Array(n * n);
      assert.equal(k.gramInto(x, n, m, g), true);
      return g;
    });
    for (let s = 1; s < shapes.length; s++) assert.deepEqual(results[s], results[0], `${n}×${m}: ${JSON.stringify(shapes[s])} vs 4×2`);
  }
  assert.equal(WebAssembly.validate(gramModuleBytes({ r: 4, c: 2, u: 1, kb: 512, fma: false }, 4)), true);
  assert.throws(() => gramModuleBytes({ r: 4, c: 3, u: 1, kb: 512, fma: false }, 4), /multiple of C/);
});
