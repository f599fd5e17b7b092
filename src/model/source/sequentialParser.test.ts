import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRankPolicy } from '../../core/rankPolicy';
import { analyzeParsedModel } from '../analyze';
import { lineColumn } from './lines';
import { sequentialModels, sourceModelToModelFile } from './sequentialParser';

const TS_MODEL = `import * as tf from '@tensorflow/tfjs';

const FILTERS = 32;

export function build(units: number): tf.Sequential {
  const model: tf.Sequential = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.conv2d({
    filters: FILTERS,
    kernelSize: [3, 3],
    strides: 2,
    padding: 'same',
    kernelInitializer: tf.initializers.heNormal({ seed: 1 }),  // not a literal: harmless
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units }));        // not followed: units is a parameter
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}
`;

test('sequentialModels: a model.add chain with literal and const options', async () => {
  const models = sequentialModels(TS_MODEL);
  assert.equal(models.length, 1);
  const m = models[0];
  assert.equal(m.binding, 'model');
  assert.deepEqual(
    m.layers.map((l) => l.fn),
    ['conv2d', 'conv2d', 'maxPooling2d', 'flatten', 'dense', 'dense', 'dense'],
  );
  assert.deepEqual(m.layers[1].config, { filters: 32, kernelSize: [3, 3], strides: 2, padding: 'same' });
  assert.deepEqual(m.layers[1].dynamic, ['kernelInitializer']);
  assert.equal(TS_MODEL.slice(m.layers[0].start, m.layers[0].start + 16), 'tf.layers.conv2d');
  assert.equal(lineColumn(TS_MODEL, m.layers[1].start).line, 7);
  assert.equal(lineColumn(TS_MODEL, m.start).line, 5);

  const f = sourceModelToModelFile(m, 'model.ts');
  assert.equal(f.cutAt, 5);
  assert.match(f.cutReason!, /'units' is not a literal/);
  assert.deepEqual(f.names, ['conv2d_1', 'conv2d_2', 'maxPooling2d_1', 'flatten_1', 'dense_1']);
  const r = await analyzeParsedModel(f.model, { policy: parseRankPolicy('vbmf') });
  assert.equal(r.weightsRead, false);
  assert.equal(r.policy, 'ratio:0.25');
  const c2 = r.layers.find((l) => l.name === 'conv2d_2')!;
  assert.deepEqual([c2.kernel, c2.inputSize, c2.outputSize, c2.k1, c2.k2, c2.estimate], [[3, 3, 16, 32], [28, 28], [14, 14], 4, 8, true]);
  const d = r.layers.find((l) => l.name === 'dense_1')!;
  assert.deepEqual(d.kernel, [7 * 7 * 32, 64]);
});

test('sequentialModels: tf.sequential({layers: [...]}), named imports, several models, reassignment', () => {
  const src = `
import { sequential, layers } from '@tensorflow/tfjs';
const a = sequential({ name: 'a', layers: [
  layers.conv2d({ batchInputShape: [null, 32, 32, 3], filters: 8, kernelSize: 3, name: 'first' }),
  layers.conv2d({ filters: 8, kernelSize: 3, ...extra }),
  myBlock(),
] });
let net = tf.sequential();
net.add(tf.layers.dense({ inputShape: [10], units: 4 }));
net = tf.sequential();
net.add(tf.layers.dense({ inputShape: [5], units: 2 }));
`;
  const models = sequentialModels(src);
  assert.equal(models.length, 3);
  assert.deepEqual(
    models[0].layers.map((l) => l.fn),
    ['conv2d', 'conv2d', null],
  );
  assert.deepEqual(models[0].layers[1].dynamic, ['...']);
  const f = sourceModelToModelFile(models[0], 'x.js');
  assert.equal(f.cutAt, 1);
  assert.match(f.cutReason!, /spread/);
  assert.deepEqual(f.names, ['first']);
  assert.equal(models[1].layers.length, 1, 'the first net stops at the reassignment');
  assert.deepEqual(models[1].layers[0].config, { inputShape: [10], units: 4 });
  assert.deepEqual(models[2].layers[0].config, { inputShape: [5], units: 2 });
});

test('sequentialModels never throws on broken or unrelated source', () => {
  for (const src of [
    '',
    'tf.sequential(',
    'model.add(tf.layers.conv2d({filters: ',
    'const x = `${',
    '/* never closed',
    "tf.sequential({layers: [tf.layers.dense({units: 'a' as any})]})",
  ]) {
    assert.doesNotThrow(() => sequentialModels(src));
  }
  const unknown = sequentialModels('const m = tf.sequential(); m.add(tf.layers.lstm({units: 8})); m.add(tf.layers.dense({units: 2}));')[0];
  const f = sourceModelToModelFile(unknown, 'u.ts');
  assert.equal(f.cutAt, 0);
  assert.match(f.cutReason!, /layers\.lstm\(\) is not followed/);
});
