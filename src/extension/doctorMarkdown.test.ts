import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorReport } from '../protocol';
import { doctorMarkdown, mdText } from './doctorMarkdown';

const report: DoctorReport = {
  version: 1,
  node: 'v20.20.2',
  tfjs: '4.22.0',
  platform: 'linux',
  arch: 'x64',
  backends: [
    { name: 'tensorflow-gpu', available: false, device: null, reason: 'a | b needs CUDA 11.2', adapter: null, note: null },
    {
      name: 'webgpu',
      available: true,
      device: 'CPU (software WebGPU adapter on Vulkan: llvmpipe)',
      reason: null,
      adapter: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7', software: true },
      note: 'a software adapter (a CPU emulating a GPU): auto passes over it, --backend webgpu uses it',
    },
    { name: 'tensorflow', available: false, device: null, reason: 'not installed', adapter: null, note: null },
    { name: 'wasm', available: true, device: 'CPU (WebAssembly SIMD, 1 thread)', reason: null, adapter: null, note: null },
    { name: 'cpu', available: true, device: 'CPU (pure JavaScript)', reason: null, adapter: null, note: null },
  ],
  adapters: [{ backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' }],
  tensorflowGpuUsesGpu: null,
  dawn: '/ext/dist/dawn.node',
  vulkan: { loader: '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', drivers: ['lvp_icd.json'], nvidiaDriver: null },
  auto: { used: 'wasm', device: 'CPU (WebAssembly SIMD, 1 thread)', fallbacks: ['tensorflow-gpu: a | b needs CUDA 11.2'] },
};

test('Markdown text is escaped: a reason cannot break the table or add markup', () => {
  assert.equal(mdText('a | b *c* [d](e) <f> `g`'), 'a \\| b \\*c\\* \\[d\\](e) \\<f\\> \\`g\\`');
});

test('the report as Markdown: the choice, one table row per backend, adapters, details, fallbacks', () => {
  const md = doctorMarkdown(report);
  assert.match(md, /^# Training backends\n/);
  assert.match(md, /\*\*`auto` trains on: wasm\*\* — CPU \(WebAssembly SIMD, 1 thread\)/);
  const rows = md.split('\n').filter((l) => l.startsWith('| `'));
  assert.equal(rows.length, 5);
  assert.equal(rows[0], '| `tensorflow-gpu` | no | a \\| b needs CUDA 11.2 |');
  assert.match(rows[1], /^\| `webgpu` \| yes \| CPU \(software WebGPU adapter on Vulkan: llvmpipe\)<br>a software adapter/);
  assert.match(md, /- vulkan: llvmpipe \(LLVM 15\.0\.6, 256 bits\)/);
  assert.match(md, /`webgpu` would use: llvmpipe: Mesa 25\.0\.7 \(vendor mesa, architecture software; \*\*software\*\*\)/);
  assert.match(md, /- Vulkan drivers: lvp\\_icd\.json/);
  assert.match(md, /## Why `auto` passed over the faster backends\n\n- tensorflow-gpu: a \\\| b needs CUDA 11\.2/);
});
