// The wasm Slice replacement against an index-by-index reference, for slices of every rank that
// are contiguous (batch shares), strided (crops) and whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../setup';

function reference(x: Float32Array, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  const total = size.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let at = 0;
    for (let j = 0; j < shape.length; j++) at = at * shape[j] + begin[j] + idx[j];
    out.push(x[at]);
    for (let j = shape.length - 1; j >= 0 && ++idx[j] === size[j]; j--) idx[j] = 0;
  }
  return out;
}

test('Slice on wasm copies exactly the requested elements (contiguous, strided and whole slices, ranks 1–5)', async () => {
  const setup = await setupBackend('wasm', { wasmThreads: 1 });
  assert.ok(setup.kernels.includes('Slice'), 'the replacement is registered');
  const cases: [number[], number[], number[]][] = [
    [[10], [3], [5]],
    [
      [6, 7],
      [2, 0],
      [3, 7],
    ],
    [
      [6, 7],
      [1, 2],
      [4, 3],
    ],
    [
      [4, 5, 6, 3],
      [1, 0, 0, 0],
      [2, 5, 6, 3],
    ], // a batch share
    [
      [4, 5, 6, 3],
      [0, 1, 1, 0],
      [4, 3, 4, 3],
    ], // a spatial crop
    [
      [4, 5, 6, 3],
      [0, 0, 0, 1],
      [4, 5, 6, 1],
    ], // one channel
    [
      [4, 5, 6, 3],
      [0, 0, 0, 0],
      [4, 5, 6, 3],
    ], // whole
    [
      [2, 3, 4, 5, 6],
      [1, 1, 0, 2, 3],
      [1, 2, 4, 3, 2],
    ],
  ];
  for (const [shape, begin, size] of cases) {
    const x = tf.randomUniform(shape, -1, 1, 'float32', shape.length);
    const got = tf.slice(x, begin, size);
    assert.deepEqual(got.shape, size);
    assert.deepEqual(Array.from(got.dataSync()), reference(x.dataSync() as Float32Array, shape, begin, size), `${shape} ${begin} ${size}`);
    tf.dispose([x, got]);
  }
  const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
  assert.deepEqual(Array.from(tf.slice(ints, [1, 1], [2, 1]).dataSync()), [4, 6], 'int32 too');
});
