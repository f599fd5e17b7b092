// End-to-end: `tucker-train ranks` through the built bundle (npm run build first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const FIX = join(root, 'fixtures', 'models');
const SMALL = join(FIX, 'small-cnn', 'model.json');
const PLANTED = JSON.parse(readFileSync(join(FIX, 'small-cnn', 'planted-ranks.json'), 'utf8'));

function ranks(...args: string[]) {
  return spawnSync(process.execPath, [cli, 'ranks', ...args], { encoding: 'utf8', cwd: root });
}

/** Exit 2, one line on stderr starting 'tucker-train: ', no stack, nothing on stdout. */
function assertUserError(r: ReturnType<typeof ranks>, re: RegExp): void {
  assert.equal(r.status, 2, `exit 2 (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tucker-train: /);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
  assert.match(r.stderr, re);
}

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tt-ranks-'));
  try {
    fn(dir);
    const left = readdirSync(dir).sort();
    // the command writes nothing next to the model
    assert.ok(
      left.every((f) => f === 'model.json' || f === 'weights.bin'),
      `nothing written: ${left.join(', ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ranks --json on the low-rank fixture: exactly one JSON object with the planted K1/K2', () => {
  const r = ranks('fixtures/models/small-cnn/model.json', '--json');
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.model, 'fixtures/models/small-cnn/model.json');
  assert.equal(rep.weightsRead, true);
  assert.equal(rep.policy, 'vbmf');
  const by = Object.fromEntries(rep.layers.map((l: { name: string }) => [l.name, l]));
  for (const n of ['conv2', 'conv3', 'conv4']) assert.deepEqual([by[n].k1, by[n].k2], [PLANTED[n].k1, PLANTED[n].k2], n);
  assert.equal(by.dense.rank, PLANTED.dense.rank);
  assert.match(by.conv1.skipped, /EVBMF/);
  const sum = (k: 'params' | 'flops', side: 'before' | 'after') =>
    rep.layers.reduce((a: number, l: Record<string, Record<string, number>>) => a + l[k][side], 0);
  assert.equal(rep.totals.params.before, sum('params', 'before'));
  assert.equal(rep.totals.params.after, sum('params', 'after'));
  assert.equal(rep.totals.flops.before, sum('flops', 'before'));
  assert.equal(rep.totals.flops.after, sum('flops', 'after'));
  assert.deepEqual([rep.totals.decomposed, rep.totals.skipped], [4, 1]);
  assert.deepEqual(Object.keys(rep), ['model', 'weightsRead', 'policy', 'layers', 'totals']);
  assert.deepEqual(Object.keys(rep.layers[0]), [
    'name',
    'type',
    'kernel',
    'cin',
    'cout',
    'inputSize',
    'outputSize',
    'k1',
    'k2',
    'rank',
    'sigma2',
    'skipped',
    'estimate',
    'params',
    'flops',
    'compression',
    'speedup',
  ]);
});

test('ranks prints a table with a header saying where ranks come from, and a totals line', () => {
  const r = ranks(SMALL);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /small-cnn\/model\.json: ranks from the weights, policy vbmf/);
  assert.ok(
    lines.some((l) => /^conv3\s+3×3\s+16→32\s+5\s+8\s+–\s+4,608 → 696\s+6\.62×\s+4\.92×/.test(l)),
    r.stdout,
  );
  assert.ok(lines.some((l) => /^conv1 .*skipped: EVBMF/.test(l)));
  assert.ok(lines.some((l) => /^dense\s+dense\s+800→10\s+–\s+–\s+4\s/.test(l)));
  assert.ok(
    lines.some((l) => /^total\s+23,048 → 5,543\s+4\.16×\s+4\.30×\s+4 decomposed, 1 skipped$/.test(l)),
    r.stdout,
  );
  assert.equal(r.stderr, '');
});

test('model.json without weights: estimate: true with ratio ranks; header says ESTIMATES', () => {
  const j = ranks('fixtures/models/no-weights/model.json', '--json');
  assert.equal(j.status, 0, j.stderr);
  const rep = JSON.parse(j.stdout);
  assert.equal(rep.weightsRead, false);
  assert.equal(rep.policy, 'ratio:0.25');
  assert.ok(rep.layers.every((l: { estimate: boolean }) => l.estimate));
  const c = rep.layers.find((l: { name: string }) => l.name === 'block256_conv2');
  assert.deepEqual([c.k1, c.k2], [64, 64]);
  const t = ranks('fixtures/models/no-weights/model.json', '--rank-policy', 'ratio:0.5');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout.split('\n')[0], /ESTIMATES from shapes only \(no weights read\), policy ratio:0.5$/);
  const v = ranks('fixtures/models/no-weights/model.json');
  assert.match(v.stdout.split('\n')[0], /policy ratio:0.25 \(vbmf needs weights\)/);
});

test('options: --quantize, --input-size, --no-weights, --help', () => {
  const q = JSON.parse(ranks(SMALL, '--json', '--quantize', '8').stdout);
  assert.deepEqual([q.layers[3].k1, q.layers[3].k2], [8, 16]);
  const s = JSON.parse(ranks('fixtures/models/no-weights/model.json', '--json', '--input-size', '64x64').stdout);
  assert.deepEqual(s.layers[0].inputSize, [64, 64]);
  const n = JSON.parse(ranks(SMALL, '--json', '--no-weights').stdout);
  assert.equal(n.weightsRead, false);
  const h = ranks('--help');
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Usage: tucker-train ranks <model\.json>/);
  const top = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  assert.match(top.stdout, /ranks <model\.json>/);
});

test('bad flags: exit 2 with one line', () => {
  assertUserError(ranks(SMALL, '--frobnicate'), /ranks: Unknown option '--frobnicate'/);
  assertUserError(ranks(SMALL, '--rank-policy', 'ratio:7'), /rank policy 'ratio:7'/);
  assertUserError(ranks(SMALL, '--quantize', 'x'), /--quantize 'x' must be a positive integer/);
  assertUserError(ranks(SMALL, '--input-size', '32'), /--input-size '32' must be HxW/);
  assertUserError(ranks(), /give the path to a model\.json/);
  assertUserError(ranks(SMALL, SMALL), /expected one model\.json, got 2/);
});

test('missing model file: exit 2 naming the file', () => {
  assertUserError(ranks('no/such/model.json'), /^tucker-train: no\/such\/model\.json: file not found/);
});

test('malformed JSON: exit 2 naming the file and the position', () => {
  withTmp((dir) => {
    const p = join(dir, 'model.json');
    writeFileSync(p, readFileSync(SMALL, 'utf8').slice(0, 500));
    assertUserError(ranks(p, '--json'), new RegExp(`${dir}/model\\.json: not valid JSON at line 1, column 501 \\(position 500\\)`));
  });
});

test('truncated weights.bin: exit 2 naming the file with expected and actual bytes', () => {
  withTmp((dir) => {
    copyFileSync(SMALL, join(dir, 'model.json'));
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(readFileSync(join(FIX, 'small-cnn', 'weights.bin'))).subarray(0, 4096));
    assertUserError(
      ranks(join(dir, 'model.json')),
      /weights\.bin: weight file is shorter than model\.json says \(expected 92456 bytes, found 4096\)/,
    );
  });
});

test('missing weights file: exit 2 naming it', () => {
  withTmp((dir) => {
    copyFileSync(SMALL, join(dir, 'model.json'));
    assertUserError(
      ranks(join(dir, 'model.json'), '--json'),
      new RegExp(`${dir}/weights\\.bin: weight file listed in .*model\\.json not found`),
    );
  });
});

test('unsupported layer that breaks shape inference: exit 2 naming the file and the layer', () => {
  withTmp((dir) => {
    const json = JSON.parse(readFileSync(join(FIX, 'no-weights', 'model.json'), 'utf8'));
    json.modelTopology.config.layers.splice(1, 0, { class_name: 'Lambda', config: { name: 'custom_fn' } });
    const p = join(dir, 'model.json');
    writeFileSync(p, JSON.stringify(json));
    assertUserError(
      ranks(p),
      /model\.json: cannot infer the input shape of layer 'block64_conv2' \(Conv2D\): layer 'custom_fn' \(Lambda\) is not supported/,
    );
  });
});
