// Both cores for the numeric core: a pool of worker threads (coreWorker.ts), each running the same
// per-layer code as this thread (src/core's analyzeConvKernel: mode Grams, EVBMF ranks, Tucker-2).
// src/core itself stays free of Node APIs; the threads live here. Layers are handed out largest
// first, each worker taking the next one when it finishes (the 512-channel layers dominate, and a
// shared machine's cores are not equally fast), and results come back in input order.
import { availableParallelism } from 'node:os';
import { workerScript } from '../../trainer/workerScript';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { UserError } from '../../core/userError';
import { analyzeConvKernel, type ConvKernelAnalysis, type ConvKernelAnalysisOptions } from '../../core/analyzeConv';
import { gramBackend } from '../../core/linalg';
import { wasmSimdSupport } from '../../core/wasm';
import type { ConvKernel } from '../../core/types';
import { benchKernels, benchLayerRow, benchResult, type BenchOptions, type BenchResult } from './coreBench';

/** One layer for a worker. */
export interface CoreJob {
  id: number;
  kernel: ConvKernel;
  opts: ConvKernelAnalysisOptions;
  /** The main thread's WebAssembly setting (setUseWasm / TUCKER_TRAIN_NO_WASM), mirrored there. */
  useWasm: boolean;
}

export type CoreReply = { id: number; result: ConvKernelAnalysis } | { id: number; error: string; userError: boolean };

/**
 * Lets this process's WebAssembly use relaxed SIMD where V8 has it behind a flag (Node 20; shipped
 * from V8 11.4 on, where this does nothing): the Gram and A·Bᵀ kernels then use fused
 * multiply–adds in 3×3 blocks, measured ~17% faster than 4×2 without (512×4608 Gram: 58 vs 70 ms;
 * results differ from the unfused ones by rounding, ~4e-16 relative). Process-wide and inherited
 * by worker threads started later; call it before the first kernel is compiled (linalg keeps the
 * kernels it made). Returns whether relaxed SIMD validates now.
 */
export function enableRelaxedSimd(): boolean {
  const before = wasmSimdSupport();
  if (!before.simd || before.relaxed) return before.relaxed;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return wasmSimdSupport().relaxed;
}

/** 2 when the machine has two or more cores, else 1. */
export function defaultCoreWorkers(): number {
  return availableParallelism() >= 2 ? 2 : 1;
}

/** Relative cost of a kernel's analysis: Grams ~ hw·Cin·Cout·(Cin + Cout), eigen ~ Cin³ + Cout³. */
function cost(k: ConvKernel): number {
  const [kh, kw, cin, cout] = k.shape;
  return kh * kw * cin * cout * (cin + cout) + cin ** 3 + cout ** 3;
}

interface Pending {
  resolve: (r: ConvKernelAnalysis) => void;
  reject: (e: Error) => void;
}

/** Started worker threads, reusable across calls (the engine or the code lenses may keep one). */
export class CoreWorkerPool {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private readonly inFlight: number[];

  private constructor(private readonly workers: Worker[]) {
    this.inFlight = workers.map(() => 0);
    for (const w of workers) {
      w.on('message', (m: CoreReply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if ('result' in m) p.resolve(m.result);
        else p.reject(m.userError ? new UserError(m.error) : new Error(`core worker: ${m.error}`));
      });
      w.on('error', (e) => this.failAll(e));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new Error(`core worker exited (code ${code})`));
      });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts n worker threads and waits until each is ready. */
  static async start(n: number): Promise<CoreWorkerPool> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`CoreWorkerPool.start: n must be a positive integer, received ${n}`);
    const script = workerScript(__dirname, 'coreWorker');
    if (!script) throw new Error('core worker script (coreWorker.js) not found next to the program');
    const started: Worker[] = [];
    try {
      await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((resolve, reject) => {
              const worker = new Worker(script.file, { eval: script.eval });
              started.push(worker);
              const onExit = (code: number) => reject(new Error(`core worker exited while starting (code ${code})`));
              const onMsg = (m: { ready?: boolean }) => {
                if (m.ready) {
                  worker.off('message', onMsg);
                  worker.off('error', reject);
                  worker.off('exit', onExit);
                  resolve();
                }
              };
              worker.on('message', onMsg);
              worker.once('error', reject);
              worker.once('exit', onExit);
            }),
        ),
      );
    } catch (e) {
      await Promise.all(started.map((w) => w.terminate()));
      throw new Error(`core worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const w of started) w.unref(); // an idle pool does not keep the process alive
    return new CoreWorkerPool(started);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Analyses one kernel on worker `slot` (transfer: hand its buffer over; unusable here afterwards). */
  private run(
    slot: number,
    kernel: ConvKernel,
    opts: ConvKernelAnalysisOptions,
    useWasm: boolean,
    transfer: boolean,
  ): Promise<ConvKernelAnalysis> {
    if (this.closed) return Promise.reject(new Error('core worker pool is closed'));
    const id = this.nextId++;
    const w = this.workers[slot];
    // Keep the process alive while a job is out (an idle pool does not).
    if (this.inFlight[slot]++ === 0) w.ref();
    return new Promise<ConvKernelAnalysis>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const job: CoreJob = { id, kernel: { shape: kernel.shape, data: kernel.data }, opts, useWasm };
      const buf = kernel.data.buffer;
      w.postMessage(job, transfer && buf instanceof ArrayBuffer ? [buf] : []);
    }).finally(() => {
      if (--this.inFlight[slot] === 0) w.unref();
    });
  }

  /**
   * Analyses every kernel, largest first, each worker taking the next kernel when it is done.
   * Results in input order. opts.transfer hands the kernels' buffers to the workers (no copy;
   * the kernels are unusable here afterwards).
   */
  async analyze(
    kernels: readonly ConvKernel[],
    opts: ConvKernelAnalysisOptions & { transfer?: boolean; onResult?: (index: number, result: ConvKernelAnalysis) => void },
  ): Promise<ConvKernelAnalysis[]> {
    const { transfer = false, onResult, ...analysisOpts } = opts;
    const useWasm = gramBackend() !== 'js';
    const order = kernels
      .map((k, i) => ({ i, c: cost(k) }))
      .sort((a, b) => b.c - a.c || a.i - b.i)
      .map((x) => x.i);
    const results = new Array<ConvKernelAnalysis>(kernels.length);
    let next = 0;
    let failed: unknown = null;
    const lane = async (slot: number): Promise<void> => {
      while (next < order.length && failed === null) {
        const i = order[next++];
        try {
          results[i] = await this.run(slot, kernels[i], analysisOpts, useWasm, transfer);
        } catch (e) {
          failed ??= e;
          return;
        }
        onResult?.(i, results[i]);
      }
    };
    await Promise.all(this.workers.map((_, slot) => lane(slot)));
    if (failed !== null) throw failed instanceof Error ? failed : new Error(String(failed));
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('core worker pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface ParallelAnalysisOptions extends ConvKernelAnalysisOptions {
  /** Worker threads (default defaultCoreWorkers()); 0 = in this thread, no workers. */
  workers?: number;
  /** A started pool to use (its size wins over workers; left open). */
  pool?: CoreWorkerPool;
  /** Hand the kernels' buffers to the workers instead of copying them (unusable here afterwards). */
  transfer?: boolean;
  /** Called as each kernel's result arrives (in completion order). */
  onResult?: (index: number, result: ConvKernelAnalysis) => void;
}

/**
 * Ranks (policy of opts) + Tucker-2 of several conv kernels across worker threads: the same
 * per-layer code and results as analyzeConvKernel one after another, on up to `workers` cores.
 * Starts and closes its own pool unless one is given.
 */
export async function analyzeConvKernelsParallel(
  kernels: readonly ConvKernel[],
  opts: ParallelAnalysisOptions,
): Promise<ConvKernelAnalysis[]> {
  const { workers = defaultCoreWorkers(), pool: given, ...rest } = opts;
  if (!Number.isInteger(workers) || workers < 0) throw new UserError(`workers must be a non-negative integer, received ${workers}`);
  if (!given && workers === 0) {
    const { transfer: _t, onResult, ...analysisOpts } = rest;
    return kernels.map((k, i) => {
      const r = analyzeConvKernel(k, analysisOpts);
      onResult?.(i, r);
      return r;
    });
  }
  const pool = given ?? (await CoreWorkerPool.start(Math.max(1, Math.min(workers, kernels.length))));
  try {
    return await pool.analyze(kernels, rest);
  } finally {
    if (!given) await pool.close();
  }
}

/**
 * `bench core` across worker threads: the same kernels (generated here, as benchCore does) and
 * per-layer code, split across `workers` threads. totalSeconds is wall clock from the first layer
 * sent to the last result back (the pool is started while the kernels are generated, as benchCore
 * leaves generation out of its times); per-layer seconds are measured inside the workers.
 */
export async function benchCoreParallel(opts: BenchOptions & { workers: number }): Promise<BenchResult> {
  const seed = opts.seed ?? 1;
  const policy = opts.policy ?? { kind: 'vbmf' as const };
  const starting = CoreWorkerPool.start(Math.max(1, Math.min(opts.workers, opts.layers ?? 16)));
  starting.catch(() => undefined); // awaited below
  const layers = benchKernels(opts);
  const pool = await starting;
  try {
    const t0 = performance.now();
    const results = await pool.analyze(
      layers.map((l) => l.kernel),
      { policy, transfer: true },
    );
    const seconds = (performance.now() - t0) / 1000;
    return benchResult(
      policy,
      seed,
      layers.map((l, i) => benchLayerRow(l, results[i])),
      { seconds, workers: pool.size },
    );
  } finally {
    await pool.close();
  }
}
