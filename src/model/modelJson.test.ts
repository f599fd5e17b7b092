import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/userError';
import {
  convOutSize,
  inferShapes,
  layerOfWeight,
  parseModelJson,
  readModelJson,
  readWeights,
  weightRole,
  type ModelFile,
} from './modelJson';

const FIX = join(__dirname, '..', '..', 'fixtures', 'models');
const SMALL = join(FIX, 'small-cnn', 'model.json');
const RESID = join(FIX, 'residual-concat', 'model.json');
const NOW = join(FIX, 'no-weights', 'model.json');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tt-model-'));
}

function outShapes(m: ModelFile, inputSize?: [number, number]): Record<string, unknown> {
  const s = inferShapes(m, { inputSize });
  return Object.fromEntries([...s].map(([k, v]) => [k, v.outputShape]));
}

async function rejects(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: unknown) => {
      assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
      assert.match(e.message, re);
      assert.equal(e.message.split('\n').length, 1, 'one line');
      return true;
    },
  );
}

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

test('Keras-exported layout: modelTopology.model_config is read like modelTopology', async () => {
  const json = JSON.parse(readFileSync(SMALL, 'utf8'));
  json.modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: json.modelTopology, training_config: {} };
  const m = parseModelJson(JSON.stringify(json), SMALL);
  assert.equal(m.layers.length, 7);
  assert.deepEqual(outShapes(m).conv4, [5, 5, 32]);
  const w = await readWeights(m, ['conv2/kernel']);
  assert.equal(w.get('conv2/kernel')!.data.length, 3 * 3 * 8 * 16);
});

test('Keras 3 functional inbound_nodes ({args: [keras tensors]}) and batch_shape', () => {
  const kt = (name: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null], dtype: 'float32', keras_history: [name, 0, 0] },
  });
  const doc = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { class_name: 'InputLayer', name: 'in', config: { batch_shape: [null, 10, 12, 3], name: 'in' }, inbound_nodes: [] },
          {
            class_name: 'Conv2D',
            name: 'c1',
            config: { name: 'c1', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid' },
            inbound_nodes: [{ args: [kt('in')], kwargs: {} }],
          },
          {
            class_name: 'Conv2D',
            name: 'c2',
            config: { name: 'c2', filters: 5, kernel_size: [1, 1], padding: 'same' },
            inbound_nodes: [{ args: [kt('in')], kwargs: {} }],
          },
          {
            class_name: 'Concatenate',
            name: 'cat',
            config: { name: 'cat', axis: -1 },
            inbound_nodes: [{ args: [[kt('c1'), kt('c2')]], kwargs: {} }],
          },
        ],
        input_layers: ['in', 0, 0],
        output_layers: [['cat', 0, 0]],
      },
    },
  };
  // c1 is 8x10, c2 is 10x12: Concatenate must reject them.
  assert.throws(() => inferShapes(parseModelJson(JSON.stringify(doc), 'k3.json')), /cat.*Concatenate.*differ/);
  (doc.modelTopology.config.layers[2].config as Record<string, unknown>).padding = 'valid';
  (doc.modelTopology.config.layers[2].config as Record<string, unknown>).kernel_size = [3, 3];
  const m = parseModelJson(JSON.stringify(doc), 'k3.json');
  assert.deepEqual(m.inputLayers, ['in']);
  assert.deepEqual(m.layers[3].inbound, ['c1', 'c2']);
  assert.deepEqual(outShapes(m).cat, [8, 10, 9]);
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

test('malformed JSON: the message names the file and the line/column', async () => {
  const dir = tmp();
  try {
    const p = join(dir, 'model.json');
    writeFileSync(p, '{\n  "format": "layers-model",\n  "modelTopology": {"class_name": }\n}');
    await rejects(
      readModelJson(p),
      new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON at line 3, column 35 \\(position \\d+\\): unexpected '\\}'`),
    );
    writeFileSync(p, '');
    await rejects(readModelJson(p), /not valid JSON at line 1, column 1 .*end of file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad model files: one-line UserErrors naming the file', async () => {
  const dir = tmp();
  try {
    await rejects(readModelJson(join(dir, 'nope.json')), /nope\.json: file not found; give the path/);
    await rejects(readModelJson(dir), /is a directory; give the path to the model\.json/);
    const p = join(dir, 'model.json');
    writeFileSync(p, '[1, 2]');
    await rejects(readModelJson(p), /model\.json: expected a JSON object with 'modelTopology'/);
    writeFileSync(p, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }));
    await rejects(readModelJson(p), /graph model/);
    writeFileSync(
      p,
      JSON.stringify({
        modelTopology: {
          class_name: 'Sequential',
          config: { layers: [{ class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: 3 } }] },
        },
      }),
    );
    await rejects(async () => inferShapes(await readModelJson(p)), /model\.json: the model has no input shape \(layer 'c'/);
    writeFileSync(
      p,
      JSON.stringify({
        modelTopology: {
          class_name: 'Sequential',
          config: {
            layers: [
              {
                class_name: 'Conv2D',
                config: { name: 'c', filters: 2, kernel_size: 3, data_format: 'channels_first', batch_input_shape: [null, 3, 8, 8] },
              },
            ],
          },
        },
      }),
    );
    await rejects(
      async () => inferShapes(await readModelJson(p)),
      /layer 'c' \(Conv2D\) uses data_format 'channels_first'; only channels_last/,
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

test('unsupported layers: shapes stop there (null with a reason) instead of crashing', async () => {
  const json = JSON.parse(readFileSync(NOW, 'utf8'));
  json.modelTopology.config.layers.splice(2, 0, { class_name: 'MyWarp', config: { name: 'warp' } });
  const m = parseModelJson(JSON.stringify(json), 'warp.json');
  const s = inferShapes(m);
  assert.equal(s.get('warp')!.outputShape, null);
  assert.match(s.get('block128_conv1')!.unknownBecause!, /layer 'warp' \(MyWarp\) is not supported for shape inference/);
  assert.deepEqual(s.get('block64_conv2')!.outputShape, [32, 32, 64]);
});
