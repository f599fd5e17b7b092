import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDoctorReport } from '../../protocol';
import type { BackendName } from '../../runs/types';
import { AUTO_ORDER, type Detection, type Probes } from './choice';
import { formatDoctorReport, runDoctor } from './doctor';

const LAVAPIPE = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7', software: true };

function probes(spec: Record<BackendName, Detection>): { probes: Probes; activations: BackendName[] } {
  const activations: BackendName[] = [];
  const p = Object.fromEntries(
    AUTO_ORDER.map((n) => [
      n,
      async (): Promise<Detection> => {
        const d = spec[n];
        if (!d.ok) return d;
        return {
          ...d,
          activate: async () => {
            activations.push(n);
            return d.activate();
          },
        };
      },
    ]),
  ) as Probes;
  return { probes: p, activations };
}

const ok = (device: string): Detection => ({ ok: true, activate: async () => ({ ok: true, device }) });

async function cpuOnlyReport() {
  const { probes: p, activations } = probes({
    'tensorflow-gpu': { ok: true, activate: async () => ({ ok: false, why: '@tensorflow/tfjs-node-gpu loaded but runs on the CPU' }) },
    webgpu: {
      ok: true,
      adapter: LAVAPIPE,
      activate: async () => ({ ok: true, device: 'CPU (software WebGPU adapter on Vulkan: llvmpipe: Mesa 25.0.7)' }),
    },
    tensorflow: ok('CPU (native libtensorflow)'),
    wasm: ok('CPU (WebAssembly SIMD, 1 thread)'),
    cpu: ok('CPU (pure JavaScript)'),
  });
  const report = await runDoctor({
    probes: p,
    platform: 'darwin',
    dawnPath: '/x/dist/dawn.node',
    listAdapters: async () => [{ backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' }],
  });
  return { report, activations };
}

test('doctor checks every backend, notes the software adapter, and says what auto picks by the same rule', async () => {
  const { report, activations } = await cpuOnlyReport();
  // Every detected backend is activated once (a test product), none twice for auto's choice.
  assert.deepEqual(activations, ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  assert.deepEqual(
    report.backends.map((b) => [b.name, b.available]),
    [
      ['tensorflow-gpu', false],
      ['webgpu', true],
      ['tensorflow', true],
      ['wasm', true],
      ['cpu', true],
    ],
  );
  assert.equal(report.backends[0].reason, '@tensorflow/tfjs-node-gpu loaded but runs on the CPU');
  assert.equal(report.tensorflowGpuUsesGpu, false);
  assert.deepEqual(report.backends[1].adapter, LAVAPIPE);
  assert.match(report.backends[1].note!, /^a software adapter \(a CPU emulating a GPU\): auto passes over it, --backend webgpu uses it$/);
  assert.equal(report.auto.used, 'tensorflow');
  assert.equal(report.auto.device, 'CPU (native libtensorflow)');
  assert.deepEqual(report.auto.fallbacks, [
    'tensorflow-gpu: @tensorflow/tfjs-node-gpu loaded but runs on the CPU',
    'webgpu: only a software adapter (llvmpipe: Mesa 25.0.7), a CPU emulating a GPU, which auto never picks (--backend webgpu uses it anyway)',
  ]);
  assert.equal(report.vulkan, null); // not Linux
  assert.equal(report.dawn, '/x/dist/dawn.node');
});

test('the report survives JSON (what the extension reads) and its validator refuses damaged ones', async () => {
  const { report } = await cpuOnlyReport();
  const back = parseDoctorReport(JSON.parse(JSON.stringify(report)));
  assert.deepEqual(back, report);
  assert.equal(parseDoctorReport({ ...report, version: 2 }), null);
  assert.equal(parseDoctorReport({ ...report, backends: [{ name: 'webgpu' }] }), null);
  assert.equal(parseDoctorReport({ ...report, auto: { used: 'wasm' } }), null);
  assert.equal(parseDoctorReport('nothing'), null);
});

test('the terminal report: one line per backend, the adapters, and the choice', async () => {
  const { report } = await cpuOnlyReport();
  const text = formatDoctorReport(report);
  assert.match(text, /^tucker-train doctor: Node v\d+/);
  assert.match(text, /\n {2}tensorflow-gpu {2}no {3}@tensorflow\/tfjs-node-gpu loaded but runs on the CPU\n/);
  assert.match(
    text,
    /\n {2}webgpu {10}yes {2}CPU \(software WebGPU adapter on Vulkan: llvmpipe: Mesa 25\.0\.7\)\n +note: a software adapter/,
  );
  assert.match(text, /\n {2}vulkan: llvmpipe \(LLVM 15\.0\.6, 256 bits\)\n/);
  assert.match(text, /webgpu would use: llvmpipe: Mesa 25\.0\.7 \(vendor 'mesa', architecture 'software', device 'llvmpipe'; software\)/);
  assert.match(text, /tfjs-node-gpu on a GPU: no, it runs on the CPU/);
  assert.match(text, /\nauto would choose: tensorflow on CPU \(native libtensorflow\)$/);
});
