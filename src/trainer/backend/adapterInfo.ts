// What a WebGPU adapter is, from the GPUAdapterInfo Dawn gives: a real GPU, or a software one (a
// CPU emulating a GPU: Mesa's lavapipe/llvmpipe, SwiftShader, Windows' WARP), which `auto` never
// picks (docs/design.md §6.1). Pure: no Dawn, no tfjs, so the rules are unit-tested with any info.
import type { GpuAdapterInfo } from '../../runs/types';

/** The fields of GPUAdapterInfo we read (Dawn fills them; other implementations may leave some empty). */
export interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Newer WebGPU: on GPUAdapterInfo; older: on GPUAdapter. */
  isFallbackAdapter?: boolean;
}

// Names software rasterizers give themselves in vendor/architecture/device/description.
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|\bwarp\b|\bcpu\b/i;

/** Why an adapter counts as software, in a few words; null for a hardware adapter. */
export function softwareReason(info: RawAdapterInfo): string | null {
  if (info.isFallbackAdapter === true) return 'a fallback adapter';
  for (const key of ['description', 'device', 'architecture', 'vendor'] as const) {
    const m = SOFTWARE_NAMES.exec(info[key] ?? '');
    if (m) return `${key} says '${m[0].toLowerCase()}'`;
  }
  return null;
}

export function describeAdapter(info: RawAdapterInfo): GpuAdapterInfo {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: softwareReason(info) !== null,
  };
}

/** The adapter's name for people: the description, else vendor + architecture + device. */
export function adapterName(a: GpuAdapterInfo): string {
  const name = a.description.trim() || [a.vendor, a.architecture, a.device].filter((s) => s.trim()).join(' ');
  return name || 'unnamed adapter';
}

/** The native API Dawn drives on each platform. */
export function dawnApiOf(platform: string): string {
  return platform === 'darwin' ? 'Metal' : platform === 'win32' ? 'D3D12' : 'Vulkan';
}

/**
 * What computes, in the words of BackendInfo.device: "GPU (WebGPU on Vulkan: NVIDIA H200)" or
 * "CPU (software WebGPU adapter on Vulkan: llvmpipe …)".
 */
export function webgpuDeviceText(a: GpuAdapterInfo, platform: string): string {
  const api = dawnApiOf(platform);
  return a.software ? `CPU (software WebGPU adapter on ${api}: ${adapterName(a)})` : `GPU (WebGPU on ${api}: ${adapterName(a)})`;
}
