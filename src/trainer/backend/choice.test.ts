import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../core/userError';
import type { BackendName, GpuAdapterInfo } from '../../runs/types';
import { AUTO_ORDER, chooseBackend, softwareSkipReason, softwareWarning, type Detection, type Probes } from './choice';

const LAVAPIPE: GpuAdapterInfo = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)',
  software: true,
};
const H200: GpuAdapterInfo = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', software: false };

/** Probes that record what was probed and activated; each backend as given, cpu always works. */
function fakeProbes(spec: Partial<Record<BackendName, Detection | 'activation fails'>>) {
  const probed: BackendName[] = [];
  const activated: BackendName[] = [];
  const probes = Object.fromEntries(
    AUTO_ORDER.map((name) => [
      name,
      async (): Promise<Detection> => {
        probed.push(name);
        const s = spec[name] ?? { ok: true, activate: async () => ({ ok: true, device: 'CPU (test)' }) };
        if (s === 'activation fails')
          return {
            ok: true,
            activate: async () => {
              activated.push(name);
              return { ok: false, why: `${name} did not initialise` };
            },
          };
        if (!s.ok) return s;
        return {
          ...s,
          activate: async () => {
            activated.push(name);
            return s.activate();
          },
        };
      },
    ]),
  ) as Probes;
  return { probes, probed, activated };
}

const missing = (why: string): Detection => ({ ok: false, why });
const gpu = (adapter: GpuAdapterInfo, hint?: string): Detection => ({
  ok: true,
  adapter,
  hint,
  activate: async () => ({ ok: true, device: `${adapter.software ? 'CPU' : 'GPU'} (WebGPU on Vulkan: ${adapter.description})` }),
});

test("auto's order is tensorflow-gpu, webgpu, tensorflow, wasm, cpu", () => {
  assert.deepEqual(AUTO_ORDER, ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
});

test('auto passes over a software adapter without activating it, saying why, and lands on wasm', async () => {
  const { probes, activated } = fakeProbes({
    'tensorflow-gpu': missing('@tensorflow/tfjs-node-gpu is not installed'),
    webgpu: gpu(LAVAPIPE),
    tensorflow: missing('@tensorflow/tfjs-node is not installed'),
  });
  const c = await chooseBackend('auto', probes);
  assert.equal(c.used, 'wasm');
  assert.equal(c.adapter, null);
  assert.deepEqual(activated, ['wasm']);
  assert.deepEqual(c.fallbacks, [
    'tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed',
    'webgpu: only a software adapter (llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)), a CPU emulating a GPU, which auto never picks (--backend webgpu uses it anyway)',
    'tensorflow: @tensorflow/tfjs-node is not installed',
  ]);
  assert.deepEqual(c.warnings, []);
});

test('the skip reason carries the hint (a GPU that Vulkan cannot see)', () => {
  assert.equal(
    softwareSkipReason(LAVAPIPE, 'an NVIDIA GPU is present (driver 550.54.14) but not its Vulkan driver'),
    'only a software adapter (llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)), a CPU emulating a GPU, which auto never picks (--backend webgpu uses it anyway); an NVIDIA GPU is present (driver 550.54.14) but not its Vulkan driver',
  );
});

test('auto takes webgpu on a hardware adapter before the native CPU backend', async () => {
  const { probes, probed } = fakeProbes({ 'tensorflow-gpu': missing('not installed'), webgpu: gpu(H200) });
  const c = await chooseBackend('auto', probes);
  assert.equal(c.used, 'webgpu');
  assert.equal(c.device, 'GPU (WebGPU on Vulkan: NVIDIA H200)');
  assert.deepEqual(c.adapter, H200);
  assert.deepEqual(c.fallbacks, ['tensorflow-gpu: not installed']);
  assert.deepEqual(probed, ['tensorflow-gpu', 'webgpu']);
});

test('auto keeps tensorflow-gpu first when it really runs on a GPU, and falls past it with its reason when not', async () => {
  const first = await chooseBackend('auto', fakeProbes({ webgpu: gpu(H200) }).probes);
  assert.equal(first.used, 'tensorflow-gpu');
  assert.deepEqual(first.fallbacks, []);
  const { probes } = fakeProbes({ 'tensorflow-gpu': 'activation fails', webgpu: missing('no Vulkan loader (libvulkan.so.1)') });
  const c = await chooseBackend('auto', probes);
  assert.equal(c.used, 'tensorflow');
  assert.deepEqual(c.fallbacks, ['tensorflow-gpu: tensorflow-gpu did not initialise', 'webgpu: no Vulkan loader (libvulkan.so.1)']);
});

test('--backend webgpu accepts a software adapter with a one-line warning', async () => {
  const c = await chooseBackend('webgpu', fakeProbes({ webgpu: gpu(LAVAPIPE) }).probes);
  assert.equal(c.used, 'webgpu');
  assert.deepEqual(c.adapter, LAVAPIPE);
  assert.deepEqual(c.fallbacks, []);
  assert.equal(c.warnings.length, 1);
  assert.equal(c.warnings[0], softwareWarning(LAVAPIPE));
  assert.match(c.warnings[0], /^webgpu: llvmpipe: Mesa 25\.0\.7 \(LLVM 15\.0\.6\) is a software adapter \(a CPU emulating a GPU\)/);
  assert.doesNotMatch(c.warnings[0], /\n/);
  const hw = await chooseBackend('webgpu', fakeProbes({ webgpu: gpu(H200) }).probes);
  assert.deepEqual(hw.warnings, []);
});

test('an explicit backend that is missing or fails is a UserError with the reason, never a fallback', async () => {
  await assert.rejects(
    chooseBackend('webgpu', fakeProbes({ webgpu: missing('no Vulkan loader (libvulkan.so.1): install it') }).probes),
    (e: unknown) =>
      isUserError(e) && (e as Error).message === "backend 'webgpu' is not available: no Vulkan loader (libvulkan.so.1): install it",
  );
  await assert.rejects(
    chooseBackend('tensorflow-gpu', fakeProbes({ 'tensorflow-gpu': 'activation fails' }).probes),
    (e: unknown) =>
      isUserError(e) && /^backend 'tensorflow-gpu' is not available: tensorflow-gpu did not initialise$/.test((e as Error).message),
  );
});
