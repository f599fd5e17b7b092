// model.json parsing: topologies (Keras-nested, Keras 3 inbound_nodes) and one-line UserErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelJson, readModelJson } from './modelJson';
import { inferShapes } from './shapes';
import { readWeights } from './weights';
import { SMALL, outShapes, rejects, tmp } from '../../test/support/modelFixtures';

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
