import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterName, describeAdapter, softwareReason, webgpuDeviceText } from './adapterInfo';

// What Dawn 0.6.2 reports for Mesa 25's lavapipe (checked on our CI machine).
const LAVAPIPE = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
};

test('software adapters are recognised from isFallbackAdapter or their names', () => {
  assert.equal(softwareReason(LAVAPIPE), 'a fallback adapter');
  assert.equal(softwareReason({ ...LAVAPIPE, isFallbackAdapter: false }), "description says 'llvmpipe'");
  assert.equal(softwareReason({ ...LAVAPIPE, isFallbackAdapter: undefined, description: '', device: '' }), "architecture says 'software'");
  assert.equal(
    softwareReason({ vendor: 'google', architecture: '', device: '', description: 'SwiftShader Device (Subzero)' }),
    "description says 'swiftshader'",
  );
  assert.equal(softwareReason({ vendor: 'mesa', device: 'lavapipe' }), "device says 'lavapipe'");
  assert.equal(
    softwareReason({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }),
    "description says 'microsoft basic render'",
  );
  assert.equal(softwareReason({ vendor: 'example', description: 'Example CPU device' }), "description says 'cpu'");
});

test('hardware adapters are not mistaken for software ones', () => {
  for (const info of [
    { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' },
    { vendor: 'nvidia', architecture: 'ada', device: '', description: 'NVIDIA GeForce RTX 4090', isFallbackAdapter: false },
    { vendor: 'amd', architecture: 'rdna-3', device: '', description: 'AMD Radeon RX 7900 XTX' },
    { vendor: 'intel', architecture: 'gen-12lp', device: '', description: 'Intel(R) UHD Graphics 770' },
    { vendor: 'apple', architecture: 'metal-3', device: '', description: '' },
  ]) {
    assert.equal(softwareReason(info), null, info.description);
    assert.equal(describeAdapter(info).software, false);
  }
});

test('the adapter as run.json records it, and in words', () => {
  const a = describeAdapter(LAVAPIPE);
  assert.deepEqual(a, {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe-llvm-15-0-6-256-bits-',
    description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
    software: true,
  });
  assert.equal(
    webgpuDeviceText(a, 'linux'),
    'CPU (software WebGPU adapter on Vulkan: llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1)',
  );
  const mac = describeAdapter({ vendor: 'apple', architecture: 'metal-3', device: '', description: '' });
  assert.equal(adapterName(mac), 'apple metal-3');
  assert.equal(webgpuDeviceText(mac, 'darwin'), 'GPU (WebGPU on Metal: apple metal-3)');
  assert.equal(webgpuDeviceText(describeAdapter({ description: 'NVIDIA RTX A6000' }), 'win32'), 'GPU (WebGPU on D3D12: NVIDIA RTX A6000)');
  assert.equal(adapterName(describeAdapter({})), 'unnamed adapter');
});
