// The one place where TensorFlow.js backends are chosen and set up.
//
// `auto` tries, in order: @tensorflow/tfjs-node-gpu (only if it really runs on a GPU; with only
// CUDA 12 present it loads and silently uses the CPU: docs/design.md §7.1), @tensorflow/tfjs-node, the
// wasm backend with our training kernels, and finally the pure-JS cpu backend with our kernels
// replacing its naive convolution ones. The two native packages are optional: they are loaded
// with a runtime `require` that the bundler leaves alone, and their absence is recorded.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../../core/userError';
import { registerTrainingKernels } from './kernels';
import { enableWasmPool, wasmPoolSize } from './wasmPool';

export type BackendRequest = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendSetup {
  /** tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** What really computes, in words, e.g. "GPU (CUDA)", "CPU (native libtensorflow)", "CPU (WebAssembly SIMD, 1 thread)". */
  device: string;
  /** One sentence per backend tried before the chosen one and why it was not used. */
  fallbacks: string[];
  /** Kernels tucker-train registered on the chosen backend (empty for native backends). */
  kernels: string[];
  /** Threads computing convolutions: 1, or 1 + worker threads on wasm (see wasmPool.ts). */
  threads: number;
}

export interface BackendOptions {
  /**
   * wasm only: threads for convolutions (main + workers splitting the batch). Default 1, or the
   * TUCKER_TRAIN_WASM_THREADS environment variable. Measured on a busy 2-core machine it did not
   * pay (bench step --threads 2); it may on idle multi-core machines.
   */
  wasmThreads?: number;
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

async function tryTensorflowGpu(): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  const hint = 'needs CUDA 11.2 + cuDNN 8.1; npm install --save-exact @tensorflow/tfjs-node-gpu@4.22.0';
  const loaded = loadNative(GPU_PKG, hint);
  if (!loaded.ok) return loaded;
  if (!(await activate('tensorflow')))
    return { ok: false, why: `${GPU_PKG} loaded but its 'tensorflow' backend did not initialise (${hint})` };
  // Run one op so the device is really chosen, then ask.
  tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
  if (!nativeUsesGpu()) {
    return { ok: false, why: `${GPU_PKG} loaded but runs on the CPU (no usable GPU: it needs CUDA 11.2 + cuDNN 8.1, not CUDA 12)` };
  }
  return { ok: true, device: 'GPU (CUDA, libtensorflow)' };
}

async function tryTensorflow(): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  const hint =
    'its install downloads libtensorflow; npm install --save-exact @tensorflow/tfjs-node@4.22.0 on a machine with internet access';
  // tfjs-node-gpu, if it loaded above, also provides the 'tensorflow' backend (on the CPU).
  if (!tf.findBackendFactory('tensorflow')) {
    const loaded = loadNative(NODE_PKG, hint);
    if (!loaded.ok) return loaded;
  }
  if (!(await activate('tensorflow'))) return { ok: false, why: `${NODE_PKG}: the 'tensorflow' backend did not initialise (${hint})` };
  return { ok: true, device: nativeUsesGpu() ? 'GPU (CUDA, libtensorflow)' : 'CPU (native libtensorflow)' };
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

async function tryWasm(): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  const dir = findWasmDir();
  if (!dir)
    return {
      ok: false,
      why: 'tfjs-backend-wasm-simd.wasm was not found next to the program or in node_modules (reinstall, or rebuild with npm run build)',
    };
  if (!wasmPathsSet && !tf.engine().registry['wasm']) {
    setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    wasmPathsSet = true;
  }
  registerTrainingKernels('wasm');
  if (!(await activate('wasm'))) return { ok: false, why: `the WebAssembly backend failed to initialise from ${dir}` };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok: true, device: `CPU (WebAssembly${simd ? ' SIMD' : ''}, 1 thread)` };
}

async function tryCpu(): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  registerTrainingKernels('cpu');
  if (!(await activate('cpu'))) return { ok: false, why: 'the pure-JS backend failed to initialise' };
  return { ok: true, device: 'CPU (pure JavaScript)' };
}

const TRIES: Record<Exclude<BackendRequest, 'auto'>, () => Promise<{ ok: true; device: string } | { ok: false; why: string }>> = {
  'tensorflow-gpu': tryTensorflowGpu,
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
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
  const envThreads = process.env.TUCKER_TRAIN_WASM_THREADS;
  const threads = opts.wasmThreads ?? (envThreads ? Number(envThreads) : 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new UserError(
      `wasm threads must be an integer from 1 to 64 (got ${opts.wasmThreads ?? `TUCKER_TRAIN_WASM_THREADS=${envThreads}`})`,
    );
  }
  const finish = async (device: string, fallbacks: string[]): Promise<BackendSetup> => {
    const backend = tf.getBackend();
    let t = 1;
    if (backend === 'wasm' && threads > 1) {
      await enableWasmPool(threads - 1, findWasmDir()!);
      t = 1 + wasmPoolSize();
    }
    return {
      backend,
      device: t > 1 ? device.replace('1 thread', `${t} threads`) : device,
      fallbacks,
      kernels: kernelsOf(backend),
      threads: t,
    };
  };
  if (requested !== 'auto') {
    const r = await TRIES[requested]();
    if (!r.ok) throw new UserError(`backend '${requested}' is not available: ${r.why}`);
    return finish(r.device, []);
  }
  const fallbacks: string[] = [];
  for (const name of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const) {
    const r = await TRIES[name]();
    if (r.ok) return finish(r.device, fallbacks);
    fallbacks.push(`${name}: ${r.why}`);
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${fallbacks.join('; ')}`);
}
