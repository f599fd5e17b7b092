import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setupBackend, findWasmDir, type BackendRequest } from './setup';
import { isUserError } from '../../core/userError';
import { benchTrainStep } from '../../bench/stepBench';
import { releaseNativeResources } from './release';

after(releaseNativeResources); // auto probes Dawn: let go of it as the CLI does

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

test('the wasm binaries are found', () => {
  assert.ok(findWasmDir(), 'tfjs-backend-wasm-simd.wasm not found');
});

test(
  'auto falls back past missing native packages to wasm with our kernels, saying why',
  { skip: installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu') },
  async () => {
    const r = await setupBackend('auto');
    assert.equal(r.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(r.device, /WebAssembly/);
    assert.equal(r.used, 'wasm');
    assert.equal(r.fallbacks.length, 3);
    assert.match(r.fallbacks[0], /^tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed .*CUDA 11\.2/);
    // No Vulkan, no adapter, or (CI's lavapipe) only a software adapter: never auto's choice.
    assert.match(r.fallbacks[1], /^webgpu: /);
    assert.match(r.fallbacks[2], /^tensorflow: @tensorflow\/tfjs-node is not installed/);
    assert.ok(r.kernels.includes('Conv2DBackpropFilter'));
  },
);

test(
  'an explicit backend that cannot load is a UserError naming what to install',
  { skip: installed('@tensorflow/tfjs-node-gpu') },
  async () => {
    await assert.rejects(
      setupBackend('tensorflow-gpu'),
      (e: unknown) => isUserError(e) && /tfjs-node-gpu/.test((e as Error).message) && /install/.test((e as Error).message),
    );
  },
);

test('an unknown backend name is a UserError', async () => {
  await assert.rejects(
    setupBackend('metal' as BackendRequest),
    (e: unknown) => isUserError(e) && /unknown backend 'metal'/.test((e as Error).message),
  );
});

test('cpu and wasm can be requested explicitly and train a toy step without leaking', async () => {
  for (const b of ['cpu', 'wasm'] as const) {
    const r = await setupBackend(b);
    assert.equal(r.backend, b);
    assert.deepEqual(r.fallbacks, []);
    const s = await benchTrainStep({ model: 'toy', batch: 2, steps: 2, warmup: 1 });
    assert.equal(s.backend, b);
    assert.equal(s.tensorLeakPerStep, 0);
    assert.ok(s.msPerStep > 0);
  }
});
