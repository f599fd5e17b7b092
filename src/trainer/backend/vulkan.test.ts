import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nvidiaWithoutVulkan, probeVulkanEnv, whyNoAdapter, type FsView } from './vulkan';

function fsView(files: Record<string, string>, env: Record<string, string> = {}): FsView {
  return {
    exists: (p) => p in files,
    list: (d) =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${d}/`) && !p.slice(d.length + 1).includes('/'))
        .map((p) => p.slice(d.length + 1)),
    read: (p) => files[p] ?? null,
    env,
    arch: 'x64',
  };
}

const LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
const NV_PROC = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\nGCC version:  gcc version 12.2.0';

test('what Vulkan offers: loader, drivers, NVIDIA kernel driver', () => {
  const env = probeVulkanEnv(
    fsView({
      [LOADER]: '',
      '/usr/share/vulkan/icd.d/lvp_icd.json': '{}',
      '/etc/vulkan/icd.d/nvidia_icd.json': '{}',
      '/proc/driver/nvidia/version': NV_PROC,
    }),
  );
  assert.equal(env.loader, LOADER);
  assert.deepEqual(env.drivers.sort(), ['lvp_icd.json', 'nvidia_icd.json']);
  assert.equal(env.nvidiaDriver, '550.54.14');
  assert.equal(env.driversFrom, null);
  assert.equal(nvidiaWithoutVulkan(env), null);
});

test('each reason for no adapter, in one sentence', () => {
  const noLoader = whyNoAdapter(probeVulkanEnv(fsView({})), 'linux');
  assert.match(
    noLoader,
    /^no Vulkan loader \(libvulkan\.so\.1\): install it .*apt-get install libvulkan1 mesa-vulkan-drivers .*bookworm-backports/,
  );

  const cudaOnly = whyNoAdapter(probeVulkanEnv(fsView({ [LOADER]: '', '/proc/driver/nvidia/version': NV_PROC })), 'linux');
  assert.equal(
    cudaOnly,
    "an NVIDIA GPU is present (driver 550.54.14) but not its Vulkan driver (nvidia_icd.json): install the driver's Vulkan part, or in a container add 'graphics' to NVIDIA_DRIVER_CAPABILITIES (e.g. =all)",
  );

  const noDriver = whyNoAdapter(probeVulkanEnv(fsView({ [LOADER]: '' })), 'linux');
  assert.match(noDriver, /^the Vulkan loader is installed but no Vulkan driver is/);

  const badVar = whyNoAdapter(probeVulkanEnv(fsView({ [LOADER]: '' }, { VK_ICD_FILENAMES: '/nowhere/x.json' })), 'linux');
  assert.equal(badVar, "VK_ICD_FILENAMES names no existing Vulkan driver file: unset it, or point it at a driver's ICD .json");

  const oldMesa = whyNoAdapter(probeVulkanEnv(fsView({ [LOADER]: '', '/usr/share/vulkan/icd.d/lvp_icd.json': '{}' })), 'linux');
  assert.match(oldMesa, /^Dawn found no usable adapter through Vulkan \(drivers: lvp_icd\.json\); a Mesa older than 25/);

  assert.match(whyNoAdapter(null, 'darwin'), /Metal/);
  assert.match(whyNoAdapter(null, 'win32'), /D3D12/);
});

test('VK_DRIVER_FILES replaces the search', () => {
  const env = probeVulkanEnv(
    fsView(
      { [LOADER]: '', '/opt/icd/mine.json': '{}', '/usr/share/vulkan/icd.d/lvp_icd.json': '{}' },
      { VK_DRIVER_FILES: '/opt/icd/mine.json' },
    ),
  );
  assert.deepEqual(env.drivers, ['mine.json']);
  assert.equal(env.driversFrom, 'VK_DRIVER_FILES');
});
