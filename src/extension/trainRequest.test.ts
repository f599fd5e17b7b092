import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sampleConfig } from '../../test/support/runFixtures';
import {
  freezeSetting,
  checkSchedule,
  epochFraction,
  parseDecomposeAt,
  parseOptionalEpoch,
  PRESETS,
  sanitizeRunName,
  trainerArgs,
  type TrainRequest,
} from './trainRequest';

const req: TrainRequest = {
  model: 'small-cnn',
  dataset: 'mnist',
  epochs: 4,
  decomposeAt: 2,
  reconstructAt: null,
  rankPolicy: 'vbmf',
  quantize: null,
  backend: 'auto',
  runsDir: '/tmp/runs',
  name: 'small-cnn quick/demo',
};

test('trainerArgs spells out the whole schedule, including "none" for no reconstruction', () => {
  assert.deepEqual(trainerArgs(req), [
    'train',
    '--model',
    'small-cnn',
    '--dataset',
    'mnist',
    '--epochs',
    '4',
    '--decompose-at',
    '2',
    '--reconstruct-at',
    'none',
    '--rank-policy',
    'vbmf',
    '--backend',
    'auto',
    '--runs-dir',
    '/tmp/runs',
    '--name',
    'small-cnn quick-demo',
    '--ipc',
  ]);
  const baseline = trainerArgs({ ...req, decomposeAt: null, reconstructAt: 3, quantize: 8 });
  assert.deepEqual(baseline.slice(7, 11), ['--decompose-at', 'none', '--reconstruct-at', 'none']);
  assert.ok(baseline.includes('--quantize'));
  const paper = PRESETS.find((p) => p.id === 'paper-vgg19')!;
  const paperArgs = trainerArgs({ ...req, model: paper.model, epochs: paper.epochs, optimizer: paper.optimizer });
  assert.deepEqual(paperArgs.slice(paperArgs.indexOf('--lr'), paperArgs.indexOf('--lr') + 8), [
    '--lr',
    '0.1',
    '--lr-milestones',
    '100,150',
    '--weight-decay',
    '0.0005',
    '--batch-size',
    '128',
  ]);
  assert.ok(!trainerArgs(req).includes('--lr'), 'no optimizer: the trainer defaults apply');
  const fromFile = trainerArgs({ ...req, configFile: '/w/vgg.tucker.json' });
  assert.deepEqual(fromFile, [
    'train',
    '--config',
    '/w/vgg.tucker.json',
    '--runs-dir',
    '/tmp/runs',
    '--name',
    'small-cnn quick-demo',
    '--ipc',
  ]);
});

test('run names, schedules and epoch inputs are checked before the trainer sees them', () => {
  assert.equal(sanitizeRunName('--weird//name!!'), 'weird-name');
  assert.equal(sanitizeRunName('***'), 'run');
  assert.match(sanitizeRunName('x'.repeat(200)), /^x{80}$/);
  assert.equal(checkSchedule(4, 2, null), null);
  assert.match(checkSchedule(4, 4, null)!, /between 0 and 3/);
  assert.match(checkSchedule(6, 2, 2)!, /between 3 and 6/);
  assert.match(checkSchedule(6, null, 3)!, /needs a decomposition/);
  assert.equal(parseOptionalEpoch(' none '), null);
  assert.equal(parseOptionalEpoch('7'), 7);
  assert.equal(parseOptionalEpoch('-1'), undefined);
  assert.equal(epochFraction(50, 100), 0.5);
  assert.equal(epochFraction(250, 100), 0.5);
  assert.equal(epochFraction(5, 0), 0);
  for (const p of PRESETS) assert.equal(checkSchedule(p.epochs, p.decomposeAt, p.reconstructAt), null, p.id);
});

test('the *.tucker.json schema describes exactly the RunConfig fields', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/run-config.schema.json', import.meta.url), 'utf8')) as {
    properties: Record<string, unknown>;
    additionalProperties: boolean;
  };
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(
    Object.keys(schema.properties)
      .filter((k) => k !== '$schema')
      .sort(),
    Object.keys(sampleConfig()).sort(),
  );
});

test('package.json contributes the commands, views and settings the code uses', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    contributes: {
      commands: { command: string; title: string; category: string }[];
      views: Record<string, { id: string }[]>;
      configuration: { properties: Record<string, unknown> };
    };
  };
  const { Commands, ConfigKeys, VIEW_DASHBOARD, VIEW_RUNS } = await import('./constants');
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const id of Object.values(Commands)) assert.ok(contributed.has(id), id);
  const start = pkg.contributes.commands.find((c) => c.command === Commands.start)!;
  assert.equal(start.title, 'Start decomposed training');
  assert.ok(pkg.contributes.commands.every((c) => c.category === 'Tucker Train'));
  const views = Object.values(pkg.contributes.views)
    .flat()
    .map((v) => v.id);
  assert.deepEqual(views.sort(), [VIEW_DASHBOARD, VIEW_RUNS].sort());
  for (const [k, v] of Object.entries(ConfigKeys))
    if (k !== 'section') assert.ok(`tuckerTrain.${v}` in pkg.contributes.configuration.properties, v);
});

test("the start flow offers 'auto': parsed, checked by the trainer's rule, passed as --decompose-at auto", () => {
  assert.equal(parseDecomposeAt(' Auto '), 'auto');
  assert.equal(parseDecomposeAt('3'), 3);
  assert.equal(parseDecomposeAt('none'), null);
  assert.equal(parseDecomposeAt('soon'), undefined);
  const auto = PRESETS.find((p) => p.id === 'quick-auto')!;
  assert.equal(auto.decomposeAt, 'auto');
  const args = trainerArgs({ ...req, epochs: auto.epochs, decomposeAt: 'auto', reconstructAt: 7 });
  assert.deepEqual(args.slice(args.indexOf('--decompose-at'), args.indexOf('--decompose-at') + 4), [
    '--decompose-at',
    'auto',
    '--reconstruct-at',
    '7',
  ]);
  // The latest automatic epoch adapts to an earlier merge (before it), but never below the minimum (2).
  assert.equal(checkSchedule(8, 'auto', 4), null);
  assert.match(checkSchedule(8, 'auto', 2)!, /^reconstruct after epoch: 2 must be after --auto-max-epoch \(2\)/);
});

test('trainerArgs passes the per-layer decision and the SVD splits from the settings', () => {
  const args = trainerArgs({ ...req, decide: 'flops', decomposePointwise: true, decomposeDense: true });
  assert.deepEqual(args.slice(args.indexOf('--decide'), args.indexOf('--decide') + 4), [
    '--decide',
    'flops',
    '--decompose-pointwise',
    '--decompose-dense',
  ]);
  // Off (the defaults): nothing is added, the trainer's defaults apply.
  const plain = trainerArgs({ ...req, decomposePointwise: false, decomposeDense: false });
  assert.ok(!plain.some((a) => a === '--decompose-pointwise' || a === '--decompose-dense' || a === '--decide'));
});

test('trainerArgs passes --freeze when the run decomposes and freezing is on', () => {
  const r: TrainRequest = {
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: 3,
    reconstructAt: 7,
    rankPolicy: 'vbmf',
    quantize: null,
    backend: 'wasm',
    runsDir: '/runs',
    name: 'n',
  };
  const freezeOf = (x: TrainRequest) => {
    const a = trainerArgs(x);
    const i = a.indexOf('--freeze');
    return i < 0 ? null : a[i + 1];
  };
  assert.equal(freezeOf({ ...r, freeze: 'sequential:2' }), 'sequential:2');
  assert.equal(freezeOf({ ...r, freeze: 'none' }), null);
  assert.equal(freezeOf(r), null);
  assert.equal(freezeOf({ ...r, decomposeAt: null, freeze: 'sequential' }), null, 'a baseline run has nothing to freeze');
  assert.equal(freezeSetting(' Sequential:3 '), 'sequential:3');
  assert.equal(freezeSetting('sequential:0'), 'none');
  assert.equal(freezeSetting(42), 'none');
});
