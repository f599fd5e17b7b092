// The tridiagonalisation kernels against their scalar definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wasmSimdSupport } from './support';
import { createWasmTridiag } from './tridiag';
import { createRng } from '../random';

const support = wasmSimdSupport();
const skip = support.simd ? false : 'WebAssembly SIMD is not available on this host';

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
      const t = a[rj + c] - (vj * ws.p[c] + qj * a[vi + c]);
      a[rj + c] = t;
      acc += t * a[wl + c];
      p2[c] += t * wj;
    }
    const got = tri.fused(ws.aAt + rj * 8, ws.aAt + vi * 8, ws.pAt, ws.aAt + wl * 8, ws.p2At, len, vj, qj, wj);
    assert.ok(Math.abs(got - acc) <= 1e-13 * (1 + Math.abs(acc)), `len ${len}: ${got} vs ${acc}`);
    for (let i = 0; i < n * n; i++) assert.ok(Math.abs(ws.a[i] - a[i]) <= 1e-14 * (1 + Math.abs(a[i])));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(ws.p2[i] - p2[i]) <= 1e-14 * (1 + Math.abs(p2[i])));
  }
});

test('fusedRows (one call per step) is bit-identical to fused() row by row plus the diagonal step, odd and even l', { skip }, () => {
  const tri = createWasmTridiag()!;
  const n = 23;
  const ws = tri.workspace(n)!;
  const rng = createRng(17);
  for (const l of [0, 1, 2, 3, 6, 7, 20, 21]) {
    const ri = 22 * n,
      rl = 21 * n; // v in row 22, w in row 21; rows j < l ≤ 21 are updated
    const a0 = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) a0[i] = rng.normal();
    const p0 = new Float64Array(n);
    for (let i = 0; i < n; i++) p0[i] = rng.normal();
    // Reference: the former per-row loop of linalg's tridiagonalize.
    ws.a.set(a0);
    ws.p.set(p0);
    ws.p2.fill(0);
    const a = ws.a,
      p = ws.p,
      p2 = ws.p2;
    for (let j = 0; j < l; j++) {
      const rj = j * n;
      const vj = a[ri + j],
        qj = p[j],
        wj = a[rl + j];
      const acc = tri.fused(ws.aAt + rj * 8, ws.aAt + ri * 8, ws.pAt, ws.aAt + rl * 8, ws.p2At, j, vj, qj, wj);
      const tjj = a[rj + j] - (vj * p[j] + qj * a[ri + j]);
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
