// The `webgpu` backend: TensorFlow.js's WebGPU backend on Dawn's Node bindings (docs/design.md
// §6.1, §7.2). We request the adapter and device ourselves (rather than letting the package's
// auto-registration do it) so that the adapter can be described and judged before training,
// and so that a lost device or an uncaptured GPU error (out of memory) ends the run as `failed`
// with its message instead of hanging the next read-back.
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GpuAdapterInfo } from '../../runs/types';
import { describeAdapter, webgpuDeviceText, type RawAdapterInfo } from './adapterInfo';
import { loadDawn } from './dawn';
import { onRelease } from './release';
import { nvidiaWithoutVulkan, probeVulkanEnv, whyNoAdapter } from './vulkan';

export type WebGpuDetection =
  { ok: true; adapter: GpuAdapterInfo; gpuAdapter: GPUAdapter; raw: RawAdapterInfo } | { ok: false; why: string };

let gpu: GPU | null = null;
let device: GPUDevice | null = null;
let released = false;
let fault: { promise: Promise<never>; reject: (e: Error) => void } | null = null;

/** A GPU failure during training: the device was lost, or an operation failed on it. */
export class GpuFaultError extends Error {
  override readonly name = 'GpuFaultError';
  /** What happened, without the advice. */
  readonly what: string;
  constructor(what: string) {
    super(`${what}; 'tucker-train resume <runDir> --backend wasm' continues the run on the CPU`);
    this.what = what;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}

/** Dawn's GPU object, created once; GPU* classes and enums become globals as tfjs expects. */
function dawnGpu(): { ok: true; gpu: GPU } | { ok: false; why: string } {
  if (gpu) return { ok: true, gpu };
  const loaded = loadDawn();
  if (!loaded.ok) return loaded;
  for (const [k, v] of Object.entries(loaded.dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  try {
    gpu = loaded.dawn.create([]);
    released = false;
    return { ok: true, gpu };
  } catch (e) {
    return { ok: false, why: `Dawn failed to start: ${firstLine(e)}` };
  }
}

/** The adapter Dawn would train on (high-performance preference), described; or why there is none. */
export async function detectWebGpu(): Promise<WebGpuDetection> {
  const g = dawnGpu();
  if (!g.ok) return g;
  let adapter: GPUAdapter | null;
  try {
    adapter = await g.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, why: `Dawn could not list adapters: ${firstLine(e)}` };
  }
  const env = process.platform === 'linux' ? probeVulkanEnv() : null;
  if (!adapter) return { ok: false, why: whyNoAdapter(env, process.platform) };
  const info = (adapter as { info?: GPUAdapterInfo }).info as RawAdapterInfo | undefined;
  const raw: RawAdapterInfo = {
    vendor: info?.vendor,
    architecture: info?.architecture,
    device: info?.device,
    description: info?.description,
    isFallbackAdapter: info?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  };
  return { ok: true, adapter: describeAdapter(raw), gpuAdapter: adapter, raw };
}

/**
 * Every adapter Dawn can see, with its native API. WebGPU hands out one adapter per request;
 * Dawn's Node bindings list them all when asked for an adapter name that does not exist.
 */
export async function listDawnAdapters(): Promise<{ backend: string; name: string }[]> {
  const loaded = loadDawn();
  if (!loaded.ok) return [];
  let message = '';
  try {
    const probe = loaded.dawn.create(['adapter=tucker-train: list every adapter']);
    const a = await probe.requestAdapter();
    if (a) return []; // a Dawn that ignores the flag: nothing to parse
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  return [...message.matchAll(/\* backend: '([^']*)', name: '([^']*)'/g)].map((m) => ({ backend: m[1], name: m[2] }));
}

/** A hint for a software-only result on Linux: a GPU is there but Vulkan cannot see it. */
export function softwareOnlyHint(): string | null {
  return process.platform === 'linux' ? nvidiaWithoutVulkan(probeVulkanEnv()) : null;
}

/** The message of an uncaptured WebGPU error, saying what kind it is. */
export function gpuErrorMessage(error: { constructor?: { name?: string }; message?: string } | null | undefined): string {
  const kind = error?.constructor?.name ?? '';
  const what = /OutOfMemory/.test(kind)
    ? 'the GPU ran out of memory'
    : /Validation/.test(kind)
      ? 'a WebGPU operation was invalid'
      : /Internal/.test(kind)
        ? 'the GPU driver failed'
        : 'a WebGPU error occurred';
  return `${what}: ${(error?.message ?? 'no details').split('\n')[0].slice(0, 300)}`;
}

function newFault(): void {
  let reject!: (e: Error) => void;
  const promise = new Promise<never>((_, r) => (reject = r));
  promise.catch(() => {}); // observed by whoever races it; never an unhandled rejection
  fault = { promise, reject };
}

/**
 * Settles when the GPU fails (device lost, out of memory, any uncaptured error) by rejecting
 * with a GpuFaultError; null when webgpu is not active. The engine races its run against it.
 */
export function webgpuFault(): Promise<never> | null {
  return device && fault ? fault.promise : null;
}

/** The device in use (tests destroy it to simulate a lost GPU). */
export function webgpuDevice(): GPUDevice | null {
  return device;
}

/** Requests a device on the detected adapter, makes `webgpu` the tfjs backend and checks one product. */
export async function activateWebGpu(
  d: Extract<WebGpuDetection, { ok: true }>,
): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  if (device && tf.findBackendFactory('webgpu')) {
    if (!(await tf.setBackend('webgpu'))) return { ok: false, why: 'the WebGPU backend did not initialise' };
    return { ok: true, device: webgpuDeviceText(d.adapter, process.platform) };
  }
  const lim = d.gpuAdapter.limits;
  try {
    // The limits tfjs-backend-webgpu asks for itself (its base.ts): the adapter's maxima.
    device = await d.gpuAdapter.requestDevice({
      requiredLimits: {
        maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (e) {
    return { ok: false, why: `the adapter refused a device: ${firstLine(e)}` };
  }
  newFault();
  const dev = device;
  const devFault = fault!;
  void dev.lost.then((info) => {
    if (device === dev) device = null; // the next activation requests a new device
    if (!released) devFault.reject(new GpuFaultError(`the GPU device was lost (${info.reason}): ${info.message || 'no details'}`));
  });
  dev.addEventListener('uncapturederror', (ev) => {
    devFault.reject(new GpuFaultError(gpuErrorMessage((ev as GPUUncapturedErrorEvent).error)));
    // Later steps would go on with garbage: losing the device makes every read-back fail at once.
    // Not from inside Dawn's callback: destroy() there deadlocks dawn.node 0.6.2.
    setImmediate(() => dev.destroy());
  });
  // tfjs-backend-webgpu checks navigator.gpu (Node 20 has no navigator; Node 21+ one without gpu).
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(dev, d.raw as GPUAdapterInfo), 0);
  if (!(await tf.setBackend('webgpu'))) return { ok: false, why: 'the WebGPU backend did not initialise on this adapter' };
  // One product, read back asynchronously (WebGPU in Node has no synchronous read-back); large
  // enough (> WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD) that tfjs does not hand it to the CPU.
  const t = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.fill([64, 64], 2)));
  try {
    const v = await Promise.race([t.data(), devFault.promise]);
    if (v[0] !== 128 || v[v.length - 1] !== 128)
      return { ok: false, why: `a test product on ${d.adapter.description} gave ${v[0]} instead of 128` };
  } catch (e) {
    return { ok: false, why: e instanceof GpuFaultError ? e.what : firstLine(e) };
  } finally {
    t.dispose();
  }
  return { ok: true, device: webgpuDeviceText(d.adapter, process.platform) };
}

/** Destroys the device and drops Dawn: the webgpu package warns that a live GPU object can keep Node running. */
export function releaseWebGpu(): void {
  released = true;
  // Removing the active backend leaves tfjs to pick a registered one at the next operation.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  device?.destroy();
  device = null;
  fault = null;
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav && nav.gpu === gpu) delete nav.gpu;
  gpu = null;
}

onRelease(releaseWebGpu);
