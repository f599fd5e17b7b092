// Shape inference: output-size formulas, the fixtures' shapes by hand, unsupported layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseModelJson, readModelJson } from './modelJson';
import { convOutSize, inferShapes } from './shapes';
import { NOW, RESID, SMALL, outShapes } from '../../test/support/modelFixtures';

test('output size formulas (same: ceil(H/s); valid: ceil((H-(k-1)d)/s))', () => {
  assert.equal(convOutSize(28, 3, 1, 1, 'same'), 28);
  assert.equal(convOutSize(14, 3, 2, 1, 'same'), 7);
  assert.equal(convOutSize(7, 3, 1, 1, 'valid'), 5);
  assert.equal(convOutSize(16, 3, 2, 1, 'valid'), 7);
  assert.equal(convOutSize(15, 3, 2, 2, 'valid'), 6);
  assert.equal(convOutSize(null, 3, 1, 1, 'same'), null);
});

test('small-cnn (Sequential): shapes by hand, including stride 2 same and valid padding', async () => {
  const m = await readModelJson(SMALL);
  assert.equal(m.topology, 'Sequential');
  assert.equal(m.format, 'layers-model');
  assert.deepEqual(outShapes(m), {
    conv1: [28, 28, 8],
    conv2: [28, 28, 16],
    pool1: [14, 14, 16],
    conv3: [7, 7, 32], // 3x3 stride 2 same: ceil(14/2)
    conv4: [5, 5, 32], // 3x3 valid: 7 - 2
    flatten: [800],
    dense: [10],
  });
  const s = inferShapes(m);
  assert.deepEqual(s.get('conv1')!.inputShapes, [[28, 28, 1]]);
  assert.deepEqual(s.get('conv3')!.inputShapes, [[14, 14, 16]]);
  // --input-size overrides H, W
  assert.deepEqual(outShapes(m, [32, 32]).conv4, [6, 6, 32]);
});

test('residual-concat (Functional): Add and Concatenate channel counts, ZeroPadding2D, depthwise', async () => {
  const m = await readModelJson(RESID);
  assert.equal(m.topology, 'Functional');
  assert.deepEqual(m.inputLayers, ['image']);
  assert.deepEqual(m.outputLayers, ['logits']);
  const res = m.layers.find((l) => l.name === 'res_add')!;
  assert.deepEqual(res.inbound, ['stem', 'res_b']);
  const o = outShapes(m);
  assert.deepEqual(o.image, [16, 16, 3]);
  assert.deepEqual(o.res_add, [16, 16, 8]);
  assert.deepEqual(o.concat, [16, 16, 4 + 6 + 8]);
  assert.deepEqual(o.pad, [18, 18, 18]);
  assert.deepEqual(o.depthwise, [16, 16, 18]);
  assert.deepEqual(o.down, [7, 7, 16]); // 3x3 stride 2 valid on 16: ceil(14/2)
  assert.deepEqual(o.gap, [16]);
  assert.deepEqual(o.logits, [10]);
  assert.deepEqual(inferShapes(m).get('concat')!.inputShapes, [
    [16, 16, 4],
    [16, 16, 6],
    [16, 16, 8],
  ]);
});

test('unsupported layers: shapes stop there (null with a reason) instead of crashing', async () => {
  const json = JSON.parse(readFileSync(NOW, 'utf8'));
  json.modelTopology.config.layers.splice(2, 0, { class_name: 'MyWarp', config: { name: 'warp' } });
  const m = parseModelJson(JSON.stringify(json), 'warp.json');
  const s = inferShapes(m);
  assert.equal(s.get('warp')!.outputShape, null);
  assert.match(s.get('block128_conv1')!.unknownBecause!, /layer 'warp' \(MyWarp\) is not supported for shape inference/);
  assert.deepEqual(s.get('block64_conv2')!.outputShape, [32, 32, 64]);
});
