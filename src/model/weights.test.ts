// Weights: the manifest's layer mapping, bit-exact reading against tfjs, dequantization, and
// missing or truncated weight files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelJson, readModelJson } from './modelJson';
import { layerOfWeight, readWeights, weightRole } from './weights';
import { FIX, RESID, SMALL, rejects, tmp } from '../../test/support/modelFixtures';

test('weights read equal what tfjs wrote (every weight, bit for bit)', async () => {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  for (const path of [SMALL, RESID]) {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const bin = readFileSync(join(path, '..', 'weights.bin'));
    const ab = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: ab,
      }),
    );
    const ours = await readWeights(await readModelJson(path));
    let compared = 0;
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const mine = ours.get(w.originalName) ?? ours.get(w.name);
        assert.ok(mine, `weight ${w.name} read`);
        const theirs = w.read().dataSync();
        assert.deepEqual(mine.shape, w.shape);
        assert.deepEqual(Array.from(mine.data), Array.from(theirs));
        compared++;
      }
    }
    assert.ok(compared >= 8, `${compared} weights compared`);
    model.dispose();
  }
});

test('weights map to layers by name; roles', async () => {
  const m = await readModelJson(SMALL);
  const byLayer = Object.fromEntries(m.weights.map((w) => [w.name, w.layer]));
  assert.equal(byLayer['conv2/kernel'], 'conv2');
  assert.equal(byLayer['dense/bias'], 'dense');
  assert.equal(
    m.weights.find((w) => w.name === 'conv4/bias'),
    undefined,
    'conv4 has no bias',
  );
  const names = new Set(['conv2d_1', 'block1/conv', 'dense']);
  assert.equal(layerOfWeight('conv2d_1/kernel', names), 'conv2d_1');
  assert.equal(layerOfWeight('block1/conv/kernel', names), 'block1/conv');
  assert.equal(layerOfWeight('model/sub/conv2d_1/kernel', names), 'conv2d_1');
  assert.equal(layerOfWeight('nothing/kernel', names), null);
  assert.equal(layerOfWeight('kernel', names), null);
  assert.equal(weightRole('conv2d_1/kernel'), 'kernel');
  assert.equal(weightRole('conv2d_1/kernel_1'), 'kernel');
  assert.equal(weightRole('bn/moving_mean'), 'moving_mean');
});

test('quantized weights (uint8 affine, float16) are dequantized; unsupported dtypes are rejected', async () => {
  const dir = tmp();
  try {
    const doc = {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 2] } }] },
      },
      weightsManifest: [
        {
          paths: ['w.bin'],
          weights: [
            { name: 'd/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
            { name: 'd/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
    // uint8 [0, 1, 2, 255] -> [-1, -0.5, 0, 126.5]; float16 0x3c00 = 1, 0xc000 = -2
    writeFileSync(join(dir, 'w.bin'), Uint8Array.from([0, 1, 2, 255, 0x00, 0x3c, 0x00, 0xc0]));
    const w = await readWeights(await readModelJson(join(dir, 'model.json')));
    assert.deepEqual(Array.from(w.get('d/kernel')!.data), [-1, -0.5, 0, 126.5]);
    assert.deepEqual(Array.from(w.get('d/bias')!.data), [1, -2]);
    (doc.weightsManifest[0].weights[1] as Record<string, unknown>) = { name: 'd/bias', shape: [2], dtype: 'string' };
    assert.throws(
      () => parseModelJson(JSON.stringify(doc), 'q.json'),
      /q\.json: weight 'd\/bias' has dtype 'string', which is not supported/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weight files: missing and truncated are UserErrors naming the file and byte counts', async () => {
  const dir = tmp();
  try {
    copyFileSync(SMALL, join(dir, 'model.json'));
    const m = await readModelJson(join(dir, 'model.json'));
    await rejects(readWeights(m), /weights\.bin: weight file listed in .*model\.json not found; copy 'weights\.bin' next to model\.json/);
    const full = readFileSync(join(FIX, 'small-cnn', 'weights.bin'));
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(full).subarray(0, 1000));
    await rejects(
      readWeights(m),
      new RegExp(`weights\\.bin: weight file is shorter than model\\.json says \\(expected ${full.length} bytes, found 1000\\)`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
