import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseModelJson, readModelJson } from './modelJson';
import { modelInputShape, syntheticDatasetFor } from './inputShape';
import { NOW, RESID, SMALL } from '../../test/support/modelFixtures';
import { UserError } from '../core/userError';

test('synthetic data of the model’s own input size, not the default 16×16×3', async () => {
  assert.equal(syntheticDatasetFor(await readModelJson(SMALL)), 'synthetic:28x28x1');
  assert.equal(syntheticDatasetFor(await readModelJson(NOW)), 'synthetic:32x32x3');
  assert.equal(syntheticDatasetFor(await readModelJson(RESID)), 'synthetic:16x16x3');
  assert.deepEqual(modelInputShape(await readModelJson(SMALL)), [28, 28, 1]);
});

test('a model without an image input gets a clear error', () => {
  const json = JSON.parse(readFileSync(SMALL, 'utf8'));
  json.modelTopology.config.layers[0].config.batch_input_shape = [null, 784];
  assert.throws(
    () => syntheticDatasetFor(parseModelJson(JSON.stringify(json), 'flat/model.json')),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^flat\/model\.json: .*image input.*\[784\]/);
      return true;
    },
  );
});
