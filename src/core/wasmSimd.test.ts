import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmAbt, createWasmGram, createWasmTridiag, gramModuleBytes, tridiagModuleBytes, wasmSimdSupport } from './wasmSimd';
import { createRng } from './random';

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
      for (let k = 0; k < m; k++) s += x[i * m + k]! * x[j * m + k]!;
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
      const scale = Math.sqrt(b[i * n + i]! * b[j * n + j]!) || 1;
      worst = Math.max(worst, Math.abs(a[i * n + j]! - b[i * n + j]!) / scale);
    }
  }
  return worst;
}

const SIZES: [number, number][] = [[1, 1], [3, 7], [5, 1000], [67, 130], [130, 67], [2, 1], [9, 3]];

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
  const n = 67, m = 130;
  const x = Float32Array.from(randomData(n, m, 5));
  const g = new Float64Array(n * n);
  k.gramInto(x, n, m, g);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(g[i * n + j], g[j * n + i]);
  assert.ok(gramError(g, naiveGram(Float64Array.from(x), n, m), n) < 1e-13);
});

test('memory grows across calls of increasing size and smaller calls after still give exact results', { skip }, () => {
  const k = createWasmGram()!;
  let prev = k.memoryBytes();
  const sizes: [number, number][] = [[4, 8], [40, 300], [130, 900], [300, 1200], [5, 9]];
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
  assert.ok(grown[3]! > grown[0]!, 'memory grew');
  assert.ok(grown[3]! >= (300 * 1200 + 300 * 300) * 8);
});

test('n = 0 and m = 0 give the empty and the zero Gram', { skip }, () => {
  const k = createWasmGram()!;
  assert.equal(k.gramInto(new Float64Array(0), 0, 5, new Float64Array(0)), true);
  const g = new Float64Array(9).fill(7);
  assert.equal(k.gramInto(new Float64Array(0), 3, 0, g), true);
  assert.deepEqual(Array.from(g), new Array(9).fill(0));
});

test('the fused tridiagonalisation row kernel matches its scalar definition (odd and even lengths)', { skip }, () => {
  const tri = createWasmTridiag()!;
  const n = 9;
  const ws = tri.workspace(n)!;
  const rng = createRng(3);
  for (const len of [0, 1, 2, 5, 8]) {
    for (let i = 0; i < n * n; i++) ws.a[i] = rng.normal();
    for (let i = 0; i < n; i++) {
      ws.p[i] = rng.normal();
      ws.p2[i] = rng.normal();
    }
    const [rj, vi, wl] = [2 * n, 7 * n, 6 * n];
    const [vj, qj, wj] = [0.3, -1.7, 2.5];
    const a = Float64Array.from(ws.a);
    const p2 = Float64Array.from(ws.p2);
    let acc = 0;
    for (let c = 0; c < len; c++) {
      const t = a[rj + c]! - (vj * ws.p[c]! + qj * a[vi + c]!);
      a[rj + c] = t;
      acc += t * a[wl + c]!;
      p2[c] += t * wj;
    }
    const got = tri.fused(ws.aAt + rj * 8, ws.aAt + vi * 8, ws.pAt, ws.aAt + wl * 8, ws.p2At, len, vj, qj, wj);
    assert.ok(Math.abs(got - acc) <= 1e-13 * (1 + Math.abs(acc)), `len ${len}: ${got} vs ${acc}`);
    for (let i = 0; i < n * n; i++) assert.ok(Math.abs(ws.a[i]! - a[i]!) <= 1e-14 * (1 + Math.abs(a[i]!)));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(ws.p2[i]! - p2[i]!) <= 1e-14 * (1 + Math.abs(p2[i]!)));
  }
});

/** Naive c (=|+=) A·Bᵀ on strided rows (the abtInto contract). */
function naiveAbt(
  a: ArrayLike<number>, aOff: number, aStride: number, n: number,
  b: ArrayLike<number>, bOff: number, bStride: number, m: number,
  p: number, c: Float64Array, cOff: number, cStride: number, accumulate: boolean,
): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += a[aOff + i * aStride + k]! * b[bOff + j * bStride + k]!;
      const at = cOff + i * cStride + j;
      c[at] = accumulate ? c[at]! + s : s;
    }
  }
}

test('the WebAssembly A·Bᵀ equals a naive loop on odd sizes, with offsets, strides and accumulation', { skip }, () => {
  const shapes = [{}, { r: 4, c: 2, u: 1, kb: 512, fma: false }, { r: 3, c: 3, u: 1, kb: 6, fma: false }, { r: 2, c: 4, u: 2, kb: 8, fma: false }];
  // [n, m, p]
  const sizes: [number, number, number][] = [[1, 1, 1], [3, 7, 5], [5, 3, 1000], [67, 13, 130], [13, 67, 33], [2, 1, 2], [9, 9, 3], [130, 64, 67]];
  for (const shape of shapes) {
    const k = createWasmAbt(shape);
    assert.ok(k, 'kernel compiles');
    sizes.forEach(([n, m, p], s) => {
      const aOff = 3, aStride = p + 2, bOff = 5, bStride = p + 1, cOff = 7, cStride = m + 3;
      const a = randomData(1, aOff + n * aStride, 40 + s);
      const b = randomData(1, bOff + m * bStride, 60 + s);
      for (const accumulate of [false, true]) {
        const c0 = randomData(1, cOff + n * cStride, 80 + s);
        const want = Float64Array.from(c0);
        naiveAbt(a, aOff, aStride, n, b, bOff, bStride, m, p, want, cOff, cStride, accumulate);
        const got = Float64Array.from(c0);
        assert.equal(k.abtInto(a, aOff, aStride, n, b, bOff, bStride, m, p, got, cOff, cStride, accumulate), true);
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
        assert.ok(worst < 1e-12 * Math.sqrt(p), `${JSON.stringify(k.options)} ${n}×${m}×${p} acc=${accumulate}: error ${worst}`);
        // Entries outside the n×m block (stride gaps, before cOff) are untouched.
        for (let i = 0; i < cOff; i++) assert.equal(got[i], c0[i]);
        for (let i = 0; i < n; i++) for (let j = m; j < cStride && cOff + i * cStride + j < got.length; j++) assert.equal(got[cOff + i * cStride + j], c0[cOff + i * cStride + j]);
      }
    });
  }
});

test('the WebAssembly A·Bᵀ reads Float32Array and plain-array operands; empty sizes are no-ops or zeros', { skip }, () => {
  const k = createWasmAbt()!;
  const n = 11, m = 6, p = 17;
  const a = Float32Array.from(randomData(n, p, 1));
  const b = Array.from(randomData(m, p, 2));
  const got = new Float64Array(n * m);
  const want = new Float64Array(n * m);
  assert.equal(k.abtInto(a, 0, p, n, b, 0, p, m, p, got, 0, m, false), true);
  naiveAbt(a, 0, p, n, b, 0, p, m, p, want, 0, m, false);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-12 * (1 + Math.abs(want[i]!)));
  const c = new Float64Array(6).fill(7);
  assert.equal(k.abtInto(a, 0, p, 0, b, 0, p, 3, p, c, 0, 3, false), true);
  assert.deepEqual(Array.from(c), new Array(6).fill(7));
  assert.equal(k.abtInto(a, 0, p, 2, b, 0, p, 3, 0, c, 0, 3, true), true);
  assert.deepEqual(Array.from(c), new Array(6).fill(7));
  assert.equal(k.abtInto(a, 0, p, 2, b, 0, p, 3, 0, c, 0, 3, false), true);
  assert.deepEqual(Array.from(c), new Array(6).fill(0));
});

test('fusedRows (one call per step) is bit-identical to fused() row by row plus the diagonal step, odd and even l', { skip }, () => {
  const tri = createWasmTridiag()!;
  const n = 23;
  const ws = tri.workspace(n)!;
  const rng = createRng(17);
  for (const l of [0, 1, 2, 3, 6, 7, 20, 21]) {
    const ri = 22 * n, rl = 21 * n; // v in row 22, w in row 21; rows j < l ≤ 21 are updated
    const a0 = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) a0[i] = rng.normal();
    const p0 = new Float64Array(n);
    for (let i = 0; i < n; i++) p0[i] = rng.normal();
    // Reference: the former per-row loop of linalg's tridiagonalize.
    ws.a.set(a0);
    ws.p.set(p0);
    ws.p2.fill(0);
    const a = ws.a, p = ws.p, p2 = ws.p2;
    for (let j = 0; j < l; j++) {
      const rj = j * n;
      const vj = a[ri + j]!, qj = p[j]!, wj = a[rl + j]!;
      const acc = tri.fused(ws.aAt + rj * 8, ws.aAt + ri * 8, ws.pAt, ws.aAt + rl * 8, ws.p2At, j, vj, qj, wj);
      const tjj = a[rj + j]! - (vj * p[j]! + qj * a[ri + j]!);
      a[rj + j] = tjj;
      p2[j] += acc + tjj * wj;
    }
    const wantA = Float64Array.from(ws.a);
    const wantP2 = Float64Array.from(ws.p2);
    ws.a.set(a0);
    ws.p.set(p0);
    ws.p2.fill(0);
    tri.fusedRows(ws.aAt, ws.aAt + ri * 8, ws.pAt, ws.aAt + rl * 8, ws.p2At, l, n * 8);
    assert.deepEqual(Array.from(ws.a), Array.from(wantA), `l = ${l}: matrix`);
    assert.deepEqual(Array.from(ws.p2), Array.from(wantP2), `l = ${l}: p2`);
  }
});

test('Gram block shapes with equal k-blocks give bit-identical results (one packing for R = 4, C = 2; two for 2×4)', { skip }, () => {
  const shapes = [{ r: 4, c: 2 }, { r: 2, c: 4 }, { r: 3, c: 3 }, { r: 2, c: 2 }, { r: 4, c: 4 }, { r: 4, c: 2, u: 2 }, { r: 6, c: 3, u: 2 }];
  for (const [n, m] of [[67, 130], [9, 3], [130, 1030]] as const) {
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
