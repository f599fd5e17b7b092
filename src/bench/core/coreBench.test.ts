import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { benchCore, formatBenchTable, VGG19_CONVS } from './coreBench';

test('VGG19-CIFAR has 16 3×3 convs from 3→64 to 512→512', () => {
  assert.equal(VGG19_CONVS.length, 16);
  assert.deepEqual(VGG19_CONVS[0], [3, 64]);
  assert.equal(VGG19_CONVS.filter(([a, b]) => a === 512 && b === 512).length, 7);
});

test('benchCore on the first layers: EVBMF finds the synthetic ranks; table and JSON shape', () => {
  const r = benchCore({ seed: 1, layers: 5 });
  assert.equal(r.layers.length, 5);
  for (const l of r.layers.slice(1)) {
    assert.equal(l.k1, l.trueK1, l.name);
    assert.equal(l.k2, l.trueK2, l.name);
    assert.ok(l.relError !== null && l.relError < 0.06, `${l.name} ${l.relError}`);
  }
  assert.ok(Math.abs(r.totalSeconds - r.layers.reduce((s, l) => s + l.seconds, 0)) < 1e-9);
  const table = formatBenchTable(r);
  assert.match(table, /\| layer \| Cin→Cout \| K1 \| K2 \| EVBMF s \| Tucker s \| total s \| rel\. error \|/);
  assert.match(table, /\| conv2 \| 64→64 \| 16 \| 16 \|/);
  assert.match(table, /Total: \d+\.\d\d s/);
});

test(
  '`tucker-train bench core --json` prints one JSON object (needs dist/cli.js from npm run build)',
  { skip: !existsSync('dist/cli.js') },
  () => {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'bench', 'core', '--json', '--rank-policy', 'ratio:0.25', '--layers', '4'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(typeof j.totalSeconds, 'number');
    assert.equal(j.layers.length, 4);
    assert.equal(j.layers[3].k1, 32);
    const bad = spawnSync(process.execPath, ['dist/cli.js', 'bench', 'core', '--rank-policy', 'foo'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /rank policy 'foo'/);
  },
);
