import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { ModelAnalyzer } from './analyzer';
import type { AnalysisState } from './lensText';

const FIX = join(__dirname, '..', '..', '..', 'fixtures', 'models');

// The worker as the extension runs it: bundled by esbuild (Node 20's Worker cannot start a .ts file).
const WORKER = join(mkdtempSync(join(tmpdir(), 'tt-lens-worker-')), 'lensWorker.js');
buildSync({
  entryPoints: [join(__dirname, 'lensWorker.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  outfile: WORKER,
  logLevel: 'error',
});

function analyzer(extra: Partial<ConstructorParameters<typeof ModelAnalyzer>[0]> = {}): ModelAnalyzer {
  return new ModelAnalyzer({ workerScript: WORKER, usePolling: true, ...extra });
}

/** Polls state() until it is no longer 'computing'. */
async function settled(a: ModelAnalyzer, path: string, text: string, policy = 'vbmf', version = 'disk'): Promise<AnalysisState> {
  for (let i = 0; i < 600; i++) {
    const s = await a.state(path, text, version, { policy });
    if (s.kind !== 'computing') return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('analysis did not settle');
}

function copyFixture(name: string): { dir: string; model: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tt-lens-'));
  for (const f of ['model.json', 'weights.bin']) {
    try {
      copyFileSync(join(FIX, name, f), join(dir, f));
    } catch {
      /* no-weights has no weights.bin */
    }
  }
  return { dir, model: join(dir, 'model.json') };
}

test('analyses in the worker, the same report as the library; cached until the weights change', async () => {
  const { dir, model } = copyFixture('small-cnn');
  const a = analyzer();
  const changes: string[] = [];
  a.onDidChange((p) => changes.push(p));
  try {
    const text = readFileSync(model, 'utf8');
    const first = await a.state(model, text, 'disk', { policy: 'vbmf' });
    assert.equal(first.kind, 'computing');
    const s = await settled(a, model, text);
    assert.equal(s.kind, 'ready');
    if (s.kind !== 'ready') return;
    const conv2 = s.report.layers.find((l) => l.name === 'conv2')!;
    assert.deepEqual([conv2.k1, conv2.k2], [3, 5]);
    assert.ok(changes.includes(model));
    // Cached: the same object, no new analysis.
    const t0 = performance.now();
    const again = await a.state(model, text, 'disk', { policy: 'vbmf' });
    assert.equal(again, s);
    assert.ok(performance.now() - t0 < 50);
    // Other options: another analysis.
    const ratio = await settled(a, model, text, 'ratio:0.5');
    assert.equal(ratio.kind === 'ready' && ratio.report.policy, 'ratio:0.5');
    // The weights are rewritten (write + rename, as a checkpoint does): a change event, then new ranks.
    const n = changes.length;
    const bytes = readFileSync(join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'weights.tmp'), bytes.subarray(0, bytes.length - 4));
    renameSync(join(dir, 'weights.tmp'), join(dir, 'weights.bin'));
    for (let i = 0; i < 100 && changes.length === n; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(changes.length > n, 'the watcher reported the rewritten weights');
    const short = await settled(a, model, text, 'ratio:0.5');
    assert.equal(short.kind, 'error');
    assert.match(short.kind === 'error' ? short.message : '', /shorter than model\.json says/);
  } finally {
    await a.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input becomes an error state, never a throw: malformed JSON, missing weights, no model', async () => {
  const { dir, model } = copyFixture('small-cnn');
  const a = analyzer({ watch: false });
  try {
    const broken = await settled(a, model, '{"modelTopology": {', 'vbmf', 'v2');
    assert.equal(broken.kind, 'error');
    assert.match(broken.kind === 'error' ? broken.message : '', /not valid JSON at line 1/);
    rmSync(join(dir, 'weights.bin'));
    const missing = await settled(a, model, readFileSync(model, 'utf8'));
    assert.match(missing.kind === 'error' ? missing.message : '', /weight file .* not found/);
    const notModel = await settled(a, model, '{"name": "x"}', 'vbmf', 'v3');
    assert.match(notModel.kind === 'error' ? notModel.message : '', /modelTopology/);
  } finally {
    await a.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stuck analysis times out and the worker is restarted', async () => {
  const { dir, model } = copyFixture('small-cnn');
  const a = analyzer({ watch: false, timeoutMs: 1 });
  try {
    const s = await settled(a, model, readFileSync(model, 'utf8'));
    assert.equal(s.kind, 'error');
    assert.match(s.kind === 'error' ? s.message : '', /did not finish/);
  } finally {
    await a.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  // A short weights file (truncated mid-write) is an error too.
  const c = copyFixture('small-cnn');
  const b = analyzer({ watch: false });
  try {
    truncateSync(join(c.dir, 'weights.bin'), 100);
    const s = await settled(b, c.model, readFileSync(c.model, 'utf8'));
    assert.match(s.kind === 'error' ? s.message : '', /shorter/);
  } finally {
    await b.dispose();
    rmSync(c.dir, { recursive: true, force: true });
  }
});
