import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  againName,
  batchProblem,
  configRunName,
  decomposeProblem,
  defaultDecomposeAt,
  defaultReconstructAt,
  epochsProblem,
  initialFromConfig,
  lrProblem,
  rankPolicyProblem,
  reconstructProblem,
  runNameProblem,
  suggestedRunName,
} from './startFlowRules';
import { trainerArgs, type TrainRequest } from './trainRequest';
import { sampleConfig } from '../../test/support/runFixtures';

test('defaults follow the earlier answers: decomposition below the last epoch, reconstruction as far from the end', () => {
  assert.equal(defaultDecomposeAt(3, 8), '3');
  assert.equal(defaultDecomposeAt(3, 2), '1');
  assert.equal(defaultDecomposeAt(null, 8), 'none');
  const setting = { epochs: 8, reconstructAt: 7 };
  assert.equal(defaultReconstructAt(setting, 8, 3), '7');
  assert.equal(defaultReconstructAt(setting, 20, 3), '19', 'epochs changed: still one before the end');
  assert.equal(defaultReconstructAt(setting, 4, 3), 'none', 'would not come after the decomposition');
  assert.equal(defaultReconstructAt(setting, 8, null), 'none');
  assert.equal(defaultReconstructAt({ epochs: 8, reconstructAt: null }, 8, 3), 'none');
});

test('each step is checked with the trainer’s rules against the answers before it', () => {
  assert.equal(epochsProblem('8'), null);
  assert.match(epochsProblem('0')!, /at least 1/);
  assert.match(epochsProblem('x')!, /whole number/);
  assert.equal(decomposeProblem('auto', 8), null);
  assert.equal(decomposeProblem('none', 8), null);
  assert.match(decomposeProblem('8', 8)!, /^decompose after epoch: 8 must be below epochs \(8\)/);
  assert.match(decomposeProblem('soon', 8)!, /"auto", or "none"/);
  assert.equal(reconstructProblem('7', 8, 3), null);
  assert.match(reconstructProblem('2', 8, 3)!, /reconstruct after epoch/);
  assert.equal(rankPolicyProblem('stable:2'), null);
  assert.equal(rankPolicyProblem('ratio:0.25'), null);
  assert.match(rankPolicyProblem('stable:100')!, /must be a number in \(0, 64\]/);
  assert.equal(lrProblem(''), null);
  assert.equal(lrProblem('0.1'), null);
  assert.match(lrProblem('-1')!, /above 0/);
  assert.equal(batchProblem('128'), null);
  assert.match(batchProblem('1.5')!, /whole number/);
  assert.equal(runNameProblem('été run_1'), null);
  assert.match(runNameProblem('a/b')!, /only/);
  assert.match(runNameProblem('  ')!, /a name/);
});

test('suggested names say what the run does', () => {
  assert.equal(suggestedRunName('small-cnn', 3, 'vbmf'), 'small-cnn-tucker-d3');
  assert.equal(suggestedRunName('small-cnn', 3, 'stable:2'), 'small-cnn-tucker-d3-stable2');
  assert.equal(suggestedRunName('/w/models/lenet/model.json', null, 'stable:2'), 'lenet-baseline');
  assert.equal(suggestedRunName('vgg19', 'auto', 'vbmf'), 'vgg19-tucker-auto');
  assert.equal(againName('lenet'), 'lenet-2');
  assert.equal(againName('lenet-2'), 'lenet-3');
});

test('a config file’s name is the run’s name (it was overridden by the file name before)', () => {
  assert.equal(configRunName('{"name": "wide lr sweep", "epochs": 3}', '/w/exp.tucker.json'), 'wide lr sweep');
  assert.equal(configRunName('\ufeff{"name": "bom"}', '/w/x.tucker.json'), 'bom');
  assert.equal(configRunName('{"epochs": 3}', '/w/exp.tucker.json'), 'exp');
  assert.equal(configRunName('{ broken', '/w/exp.json'), 'exp');
  const r: TrainRequest = {
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: 3,
    reconstructAt: 7,
    rankPolicy: 'vbmf',
    quantize: null,
    backend: 'auto',
    runsDir: '/runs',
    name: configRunName('{"name": "from-config"}', '/w/a.tucker.json'),
    configFile: '/w/a.tucker.json',
  };
  const args = trainerArgs(r);
  assert.equal(args[args.indexOf('--name') + 1], 'from-config');
});

test('run again: the run’s configuration, the learning rate and batch size passed on', () => {
  const init = initialFromConfig(sampleConfig({ lr: 0.1, batchSize: 32, rankPolicy: 'stable:2' }), 'lenet', '/runs');
  assert.equal(init.name, 'lenet-2');
  assert.deepEqual([init.lr, init.batchSize, init.rankPolicy, init.epochs], [0.1, 32, 'stable:2', 6]);
  const base: TrainRequest = {
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 8,
    decomposeAt: 3,
    reconstructAt: 7,
    rankPolicy: 'stable:2',
    quantize: null,
    backend: 'wasm',
    runsDir: '/runs',
    name: 'n',
  };
  const a = trainerArgs({ ...base, lr: 0.02, batchSize: 16 });
  assert.equal(a[a.indexOf('--lr') + 1], '0.02');
  assert.equal(a[a.indexOf('--batch-size') + 1], '16');
  assert.equal(a[a.indexOf('--rank-policy') + 1], 'stable:2');
  const b = trainerArgs({ ...base, lr: 0.02, optimizer: { lr: 0.1, lrMilestones: [4], weightDecay: 5e-4, batchSize: 128 } });
  assert.equal(b.filter((x) => x === '--lr').length, 1);
  assert.equal(b[b.indexOf('--lr') + 1], '0.02');
  assert.equal(b[b.indexOf('--batch-size') + 1], '128');
});
