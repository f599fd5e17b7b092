import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainedOnCpu } from './backendKind';
import { isRunInfo } from './reader';

const software = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe', software: true };

test('a run trained on the CPU: every CPU backend and a software WebGPU adapter, not a GPU', () => {
  assert.equal(trainedOnCpu({ used: 'wasm' }), true);
  assert.equal(trainedOnCpu({ used: 'cpu' }), true);
  assert.equal(trainedOnCpu({ used: 'tensorflow' }), true);
  assert.equal(trainedOnCpu({ used: 'tensorflow-gpu' }), false);
  assert.equal(trainedOnCpu({ used: 'webgpu', adapter: software }), true);
  assert.equal(trainedOnCpu({ used: 'webgpu', adapter: { ...software, software: false } }), false);
});

test('run.json with and without the adapter field both read as runs', () => {
  const base = {
    version: 1,
    id: '20260101-000000-x-abcd',
    name: 'x',
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
    status: 'completed',
    pid: null,
    config: { model: 'small-cnn' },
    host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' },
    error: null,
  };
  const old = { ...base, backend: { requested: 'auto', used: 'wasm', device: 'CPU (WebAssembly SIMD, 1 thread)', fallbacks: [] } };
  const withAdapter = { ...base, backend: { requested: 'webgpu', used: 'webgpu', device: 'CPU (software WebGPU adapter)', fallbacks: [], adapter: software } };
  assert.equal(isRunInfo(JSON.parse(JSON.stringify(old))), true);
  assert.equal(isRunInfo(JSON.parse(JSON.stringify(withAdapter))), true);
});
