// Benchmarks the core's Gram and eigen kernels, WebAssembly SIMD vs JavaScript, in one process.
//   npx tsx scripts/bench-linalg.ts                 (Node 20: wasm-simd, no relaxed SIMD)
//   node --experimental-wasm-relaxed-simd --import tsx scripts/bench-linalg.ts   (fused madd)
//   npx tsx scripts/bench-linalg.ts --reps 5 --skip-js
// Times are CPU milliseconds (process.cpuUsage, medians over reps); machines here are shared.
import { abtBackend, abtInto, gram, gramBackend, setUseWasm, symmetricEigen, symmetricEigenLazy, eigenBackend } from '../src/core/linalg';
import { convUnfoldings } from '../src/core/modeGrams';
import type { ConvKernel, Matrix } from '../src/core/types';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1]) || 3;
const skipJs = args.includes('--skip-js');

function cpu(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];

function pseudoRandom(len: number, seed: number): Float64Array {
  const out = new Float64Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

const backends: { name: string; wasm: boolean }[] = [{ name: 'wasm', wasm: true }];
if (!skipJs) backends.push({ name: 'js', wasm: false });

setUseWasm(true);
console.log(
  `gram backend: ${gramBackend()}, A·Bᵀ backend: ${abtBackend()}, eigen backend: ${eigenBackend()}; node ${process.version}; reps ${reps}`,
);

// 1. Single Grams.
console.log('\n| gram n×m | ' + backends.map((b) => `${b.name} ms`).join(' | ') + ' | max |Δ|/√(gᵢᵢgⱼⱼ) |');
for (const [n, m] of [
  [512, 4608],
  [256, 2304],
  [64, 576],
] as const) {
  const a: Matrix = { rows: n, cols: m, data: pseudoRandom(n * m, n + m) };
  const res: Record<string, Float64Array> = {};
  const times = backends.map((b) => {
    setUseWasm(b.wasm);
    gram(a); // warm
    const t: number[] = [];
    for (let r = 0; r < reps; r++) t.push(cpu(() => (res[b.name] = gram(a).data)));
    return median(t);
  });
  let diff = 0;
  if (res.js) {
    // |Δg_ij| / sqrt(g_ii g_jj): relative to the entry's scale (off-diagonal entries of random data cancel).
    const js = res.js;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        diff = Math.max(diff, Math.abs(res.wasm[i * n + j] - js[i * n + j]) / Math.sqrt(js[i * n + i] * js[j * n + j]));
      }
  }
  console.log(`| ${n}×${m} | ${times.map((t) => t.toFixed(1)).join(' | ')} | ${res.js ? diff.toExponential(1) : '-'} |`);
}

// 1b. A·Bᵀ products of Tucker-2 (512→512, K = 128): the projection (4608×512)·(512×128)ᵀ and
// the back-transformation's (128×512)·(32×512)ᵀ.
console.log('\n| A·Bᵀ n×m×p | ' + backends.map((b) => `${b.name} ms`).join(' | ') + ' | max |Δ| |');
for (const [n, m, p] of [
  [4608, 128, 512],
  [128, 32, 512],
  [512, 512, 128],
] as const) {
  const a = pseudoRandom(n * p, n + p);
  const b = pseudoRandom(m * p, m + 3 * p);
  const res: Record<string, Float64Array> = {};
  const times = backends.map((be) => {
    setUseWasm(be.wasm);
    const c = new Float64Array(n * m);
    abtInto(a, 0, p, n, b, 0, p, m, p, c, 0, m); // warm
    const t: number[] = [];
    for (let r = 0; r < reps; r++) t.push(cpu(() => abtInto(a, 0, p, n, b, 0, p, m, p, c, 0, m)));
    res[be.name] = c;
    return median(t);
  });
  let diff = 0;
  if (res.js) for (let i = 0; i < n * m; i++) diff = Math.max(diff, Math.abs(res.wasm[i] - res.js[i]));
  console.log(`| ${n}×${m}×${p} | ${times.map((t) => t.toFixed(1)).join(' | ')} | ${res.js ? diff.toExponential(1) : '-'} |`);
}
setUseWasm(true);

// 2. Eigenvalues of one 512 Gram.
{
  const a: Matrix = { rows: 512, cols: 4608, data: pseudoRandom(512 * 4608, 7) };
  setUseWasm(true);
  const g = gram(a);
  console.log('\n| eigen 512, values only | ' + backends.map((b) => `${b.name} ms`).join(' | ') + ' |');
  const times = backends.map((b) => {
    setUseWasm(b.wasm);
    symmetricEigen(g);
    const t: number[] = [];
    for (let r = 0; r < reps; r++) t.push(cpu(() => symmetricEigenLazy(g)));
    return median(t);
  });
  console.log(`| 512 | ${times.map((t) => t.toFixed(1)).join(' | ')} |`);
  console.log('\n| eigen 512, values + 128 vectors | ' + backends.map((b) => `${b.name} ms`).join(' | ') + ' |');
  const tv = backends.map((b) => {
    setUseWasm(b.wasm);
    const t: number[] = [];
    for (let r = 0; r < reps; r++) t.push(cpu(() => symmetricEigen(g, { vectors: 128 })));
    return median(t);
  });
  console.log(`| 512 | ${tv.map((t) => t.toFixed(1)).join(' | ')} |`);
}

// 3. VGG19-CIFAR: Gram + eigenvalues of both unfoldings of all 16 conv kernels.
const vgg: [number, number][] = [
  [3, 64],
  [64, 64],
  [64, 128],
  [128, 128],
  [128, 256],
  [256, 256],
  [256, 256],
  [256, 256],
  [256, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
  [512, 512],
];
const kernels = vgg.map(([cin, cout], i): ConvKernel => ({ shape: [3, 3, cin, cout], data: pseudoRandom(9 * cin * cout, 100 + i) }));
const unf = kernels.map((k) => convUnfoldings(k));
console.log('\n| VGG19 16 layers, both unfoldings | gram ms | eigen ms | total ms |');
for (const b of backends) {
  setUseWasm(b.wasm);
  const tg: number[] = [];
  const te: number[] = [];
  for (let r = 0; r < reps; r++) {
    let sg = 0;
    let se = 0;
    kernels.forEach((k, i) => {
      const [, , cin, cout] = k.shape;
      const u = unf[i];
      for (const [x, rows, cols] of [
        [u.xIn, cin, 9 * cout],
        [u.xOut, cout, 9 * cin],
      ] as const) {
        let g!: Matrix;
        sg += cpu(() => (g = gram({ rows, cols, data: x })));
        se += cpu(() => symmetricEigenLazy(g));
      }
    });
    tg.push(sg);
    te.push(se);
  }
  console.log(`| ${b.name} | ${median(tg).toFixed(0)} | ${median(te).toFixed(0)} | ${(median(tg) + median(te)).toFixed(0)} |`);
}
setUseWasm(true);
