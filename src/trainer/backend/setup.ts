// The one place where TensorFlow.js backends are set up (the rule that picks one: choice.ts).
//
// `auto` tries, in order: @tensorflow/tfjs-node-gpu (only if it really runs on a GPU; with only
// CUDA 12 present it loads and silently uses the CPU: docs/design.md §7.1), WebGPU through Dawn
// on a hardware adapter (webgpu.ts, §7.2), @tensorflow/tfjs-node, the wasm backend with our
// training kernels, and finally the pure-JS cpu backend with our kernels replacing its naive
// convolution ones. The two native tfjs packages are optional: they are loaded with a runtime
// `require` that the bundler leaves alone, and their absence is recorded.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../../core/userError';
import { BACKEND_REQUESTS, type BackendName, type BackendRequest, type GpuAdapterInfo } from '../../runs/types';
import { chooseBackend, type Detection, type Probes } from './choice';
import { registerTrainingKernels } from './kernels';
import { enableWasmPool, wasmPoolSize } from './wasmPool';
import { chooseWasmThreads, THREADS_ENV } from './threads';
import { activateWebGpu, detectWebGpu, softwareOnlyHint, webgpuFault } from './webgpu';

export { BACKEND_REQUESTS, type BackendRequest };

export interface BackendSetup {
  /** tfjs backend name now active: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  backend: string;
  /** The backend as run.json names it (tensorflow-gpu is tfjs's 'tensorflow' on a GPU). */
  used: BackendName;
  /** What really computes, in words, e.g. "GPU (CUDA)", "GPU (WebGPU on Vulkan: NVIDIA H200)", "CPU (WebAssembly SIMD, 1 thread)". */
  device: string;
  /** webgpu: the adapter (vendor, architecture, device, description, software or not); else null. */
  adapter: GpuAdapterInfo | null;
  /** One sentence per backend tried before the chosen one and why it was not used. */
  fallbacks: string[];
  /** One-line warnings for the user (a software WebGPU adapter asked for by name). */
  warnings: string[];
  /** Kernels tucker-train registered on the chosen backend (empty for native backends and webgpu). */
  kernels: string[];
  /** Threads computing convolutions: 1, or 1 + worker threads on wasm (see wasmPool.ts). */
  threads: number;
  /** wasm: why that many (threads.ts: the flag, the environment variable, or the cores available); else null. */
  threadsReason: string | null;
  /** webgpu: rejects with the message when the GPU is lost or fails mid-run; null elsewhere. */
  fault: Promise<never> | null;
}

export interface BackendOptions {
  /**
   * wasm only: threads for convolutions (main + workers splitting the batch). Default: the
   * TUCKER_TRAIN_WASM_THREADS environment variable, else the cores available (threads.ts).
   */
  wasmThreads?: number;
  /** Where wasmThreads came from, in words (default '--threads'). */
  wasmThreadsFrom?: string;
  /** Probes to use instead of the real ones (tests). */
  probes?: Probes;
}

const GPU_PKG = '@tensorflow/tfjs-node-gpu';
const NODE_PKG = '@tensorflow/tfjs-node';

/** A runtime require the bundler cannot see (so it neither bundles nor rejects the package). */
function dynamicRequire(name: string): unknown {
  return createRequire(typeof __filename === 'string' ? __filename : join(process.cwd(), 'index.js'))(name);
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

function isNotInstalled(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'MODULE_NOT_FOUND' && String(err.message ?? '').includes(`'${pkg}'`);
}

/** Loads a native tfjs-node package; returns why not on failure. */
function loadNative(pkg: string, hint: string): { ok: true } | { ok: false; why: string } {
  try {
    dynamicRequire(pkg);
    return { ok: true };
  } catch (e) {
    if (isNotInstalled(e, pkg)) return { ok: false, why: `${pkg} is not installed (optional dependency; ${hint})` };
    return { ok: false, why: `${pkg} failed to load: ${errorText(e)} (${hint})` };
  }
}

async function activate(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** Whether the tensorflow backend of tfjs-node(-gpu) actually placed work on a GPU. */
function nativeUsesGpu(): boolean {
  const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return b.isUsingGpuDevice === true;
}

/** tfjs-node-gpu: loads, but is kept only if it really places work on a GPU (docs/design.md §7.1). */
async function probeTensorflowGpu(): Promise<Detection> {
  const hint = 'needs CUDA 11.2 + cuDNN 8.1; npm install --save-exact @tensorflow/tfjs-node-gpu@4.22.0';
  const loaded = loadNative(GPU_PKG, hint);
  if (!loaded.ok) return loaded;
  return {
    ok: true,
    activate: async () => {
      if (!(await activate('tensorflow')))
        return { ok: false, why: `${GPU_PKG} loaded but its 'tensorflow' backend did not initialise (${hint})` };
      // Run one op so the device is really chosen, then ask.
      tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
      if (!nativeUsesGpu())
        return { ok: false, why: `${GPU_PKG} loaded but runs on the CPU (no usable GPU: it needs CUDA 11.2 + cuDNN 8.1, not CUDA 12)` };
      return { ok: true, device: 'GPU (CUDA, libtensorflow)' };
    },
  };
}

async function probeTensorflow(): Promise<Detection> {
  const hint =
    'its install downloads libtensorflow; npm install --save-exact @tensorflow/tfjs-node@4.22.0 on a machine with internet access';
  // tfjs-node-gpu, if it loaded above, also provides the 'tensorflow' backend (on the CPU).
  if (!tf.findBackendFactory('tensorflow')) {
    const loaded = loadNative(NODE_PKG, hint);
    if (!loaded.ok) return loaded;
  }
  return {
    ok: true,
    activate: async () => {
      if (!(await activate('tensorflow'))) return { ok: false, why: `${NODE_PKG}: the 'tensorflow' backend did not initialise (${hint})` };
      return { ok: true, device: nativeUsesGpu() ? 'GPU (CUDA, libtensorflow)' : 'CPU (native libtensorflow)' };
    },
  };
}

/** WebGPU through Dawn: the adapter is described before anything is activated, so auto can pass over a software one. */
async function probeWebgpu(): Promise<Detection> {
  const d = await detectWebGpu();
  if (!d.ok) return d;
  return {
    ok: true,
    adapter: d.adapter,
    hint: d.adapter.software ? (softwareOnlyHint() ?? undefined) : undefined,
    activate: () => activateWebGpu(d),
  };
}

/** Folder holding tfjs-backend-wasm's *.wasm: next to the bundle (dist/), else the package's dist/. */
export function findWasmDir(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(__dirname, join(__dirname, '..'), join(__dirname, '..', '..', '..', 'dist'));
  try {
    candidates.push(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  } catch {
    /* not resolvable (bundled without node_modules) */
  }
  return candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm-simd.wasm')));
}

let wasmPathsSet = false;

async function probeWasm(): Promise<Detection> {
  const dir = findWasmDir();
  if (!dir)
    return {
      ok: false,
      why: 'tfjs-backend-wasm-simd.wasm was not found next to the program or in node_modules (reinstall, or rebuild with npm run build)',
    };
  return {
    ok: true,
    activate: async () => {
      if (!wasmPathsSet && !tf.engine().registry['wasm']) {
        setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
        wasmPathsSet = true;
      }
      registerTrainingKernels('wasm');
      if (!(await activate('wasm'))) return { ok: false, why: `the WebAssembly backend failed to initialise from ${dir}` };
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return { ok: true, device: `CPU (WebAssembly${simd ? ' SIMD' : ''}, 1 thread)` };
    },
  };
}

async function probeCpu(): Promise<Detection> {
  return {
    ok: true,
    activate: async () => {
      registerTrainingKernels('cpu');
      if (!(await activate('cpu'))) return { ok: false, why: 'the pure-JS backend failed to initialise' };
      return { ok: true, device: 'CPU (pure JavaScript)' };
    },
  };
}

/** How each backend is probed here; `chooseBackend` applies the rule, `doctor` reports each. */
export const BACKEND_PROBES: Probes = {
  'tensorflow-gpu': probeTensorflowGpu,
  webgpu: probeWebgpu,
  tensorflow: probeTensorflow,
  wasm: probeWasm,
  cpu: probeCpu,
};

function kernelsOf(backend: string): string[] {
  return backend === 'wasm' || backend === 'cpu' ? registerTrainingKernels(backend).registered : [];
}

/**
 * Chooses and activates a backend. An explicit request that cannot be honoured throws a
 * UserError saying why and what to install; `auto` falls back and records each reason.
 */
export async function setupBackend(requested: BackendRequest = 'auto', opts: BackendOptions = {}): Promise<BackendSetup> {
  if (!BACKEND_REQUESTS.includes(requested)) {
    throw new UserError(`unknown backend '${String(requested)}'; use one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  const { threads, reason } = chooseWasmThreads({
    requested: opts.wasmThreads === undefined ? null : { threads: opts.wasmThreads, from: opts.wasmThreadsFrom ?? '--threads' },
    env: process.env[THREADS_ENV],
  });
  const choice = await chooseBackend(requested, opts.probes ?? BACKEND_PROBES);
  const backend = tf.getBackend();
  let t = 1;
  if (backend === 'wasm' && threads > 1) {
    await enableWasmPool(threads - 1, findWasmDir()!);
    t = 1 + wasmPoolSize();
  }
  return {
    backend,
    used: choice.used,
    device: t > 1 ? choice.device.replace('1 thread', `${t} threads`) : choice.device,
    adapter: choice.adapter,
    fallbacks: choice.fallbacks,
    warnings: choice.warnings,
    kernels: kernelsOf(backend),
    threads: t,
    threadsReason: backend === 'wasm' ? (t === threads ? reason : `${reason}; ${t} started`) : null,
    fault: choice.used === 'webgpu' ? webgpuFault() : null,
  };
}
