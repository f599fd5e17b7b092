// One esbuild entry per runtime: extension host (CJS, vscode external),
// trainer/CLI (Node CJS, runnable as `tucker-train`), webview (browser IIFE).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

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
    entryPoints: { cli: 'src/trainer/cli.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
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
    ...common,
    entryPoints: { webview: 'webview/main.ts' },
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

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
