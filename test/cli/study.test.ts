// `tucker-train study` through the built CLI (dist/cli.js, the bundle the extension forks): the
// smoke preset end to end, its table and report; bad flags refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/backend';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

test('study --preset smoke: four runs, the paper table, report.md with both plots (from the bundle)', () => {
  const runsDir = tempDir('tucker-clistudy-');
  const r = spawnSync(
    process.execPath,
    [cli, 'study', '--preset', 'smoke', '--epochs', '2', '--backend', 'wasm', '--runs-dir', runsDir, '--quiet'],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| smoke-synthetic-original \(baseline\) +\| original \(no decomposition\) +\| completed/);
  assert.match(r.stdout, /\| smoke-synthetic-finetune-1 +\| original 2 epochs, then decomposed \(ratio:0\.5\) and fine-tuned 1/);
  const report = /report: (.*report\.md)/.exec(r.stdout)?.[1];
  assert.ok(report && existsSync(report), r.stdout);
  const dir = join(report, '..');
  for (const f of ['study.json', 'results.csv', 'accuracy-vs-time.svg', 'accuracy-vs-epoch.svg']) assert.ok(existsSync(join(dir, f)), f);
  assert.match(readFileSync(join(dir, 'accuracy-vs-time.svg'), 'utf8'), /^<svg /);
  assert.equal(readdirSync(runsDir).filter((n) => n !== 'studies').length, 4);
});

test('study: bad input is one line on stderr and exit 2', () => {
  const runsDir = tempDir('tucker-clistudy-');
  for (const [args, re] of [
    [['--preset', 'nope', '--runs-dir', runsDir], /^tucker-train: --preset: unknown preset 'nope'/],
    [
      ['--preset', 'smoke', '--decompose-at', '1,9', '--runs-dir', runsDir],
      /^tucker-train: --decompose-at: 9 must be below --epochs \(3\)/,
    ],
    [['--resume', join(runsDir, 'missing')], /^tucker-train: .*missing: no valid study\.json here/],
    [['--resume', runsDir, '--epochs', '3'], /^tucker-train: study --resume continues with the study's own settings; drop --epochs/],
  ] as const) {
    const r = spawnSync(process.execPath, [cli, 'study', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('study: Ctrl-C stops the current scenario and the study; --resume finishes it without rerunning the first', async () => {
  const runsDir = tempDir('tucker-clistudy-');
  const child = spawn(process.execPath, [cli, 'study', '--preset', 'smoke', '--epochs', '2', '--backend', 'wasm', '--runs-dir', runsDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let signalled = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    // inside the second scenario's first epoch: the trainer child is running
    if (!signalled && /study: scenario 2\/4[\s\S]*model: small-cnn/.test(out.slice(out.indexOf('study: scenario 2/4')))) {
      signalled = true;
      child.kill('SIGINT'); // the study process only: it passes the stop on to its trainer
    }
  });
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  assert.ok(signalled, out);
  assert.equal(code, 0, out);
  assert.match(out, /study stopped: /);
  const dir = /continue with: tucker-train study --resume (.*)/.exec(out)?.[1];
  assert.ok(dir, out);
  const stopped = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as { scenarios: { status: string; runId: string | null }[] };
  assert.deepEqual(
    stopped.scenarios.map((s) => s.status),
    ['completed', 'stopped', 'pending', 'pending'],
  );
  const r = spawnSync(process.execPath, [cli, 'study', '--resume', dir, '--quiet'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /study completed: /);
  const done = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as { scenarios: { status: string; runId: string }[] };
  assert.deepEqual(
    done.scenarios.slice(0, 2).map((s) => s.runId),
    stopped.scenarios.slice(0, 2).map((s) => s.runId),
  );
  assert.equal(readdirSync(runsDir).filter((n) => n !== 'studies').length, 4, 'one run folder per scenario');
  assert.ok(existsSync(join(dir, 'report.md')));
  assert.ok(existsSync(join(dir, 'decompose-1.tucker.json')), 'each scenario config is kept as a *.tucker.json');
});
