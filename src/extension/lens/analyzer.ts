// The model analyses behind the lenses: run in a worker thread (lensWorker.ts), cached by file,
// options and modification times, re-run when model.json or a weight file changes (chokidar —
// a training run rewriting a checkpoint updates the hints). No vscode: unit-tested directly.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { watch, type FSWatcher } from 'chokidar';
import type { AnalysisState } from './lensText';
import type { AnalyzeRequest, AnalyzeResponse, FileStamp } from './workerProtocol';

export interface AnalyzerOptions {
  /** The worker script (dist/lensWorker.js; tests: the .ts source with execArgv ['--import', 'tsx']). */
  workerScript: string;
  execArgv?: string[];
  /** An analysis running longer is stopped (the worker is restarted) and reported. Default 120 s. */
  timeoutMs?: number;
  /** Watch model.json and weight files with chokidar (default true). */
  watch?: boolean;
  /** chokidar polling, for tests on file systems without events. */
  usePolling?: boolean;
  log?: (message: string) => void;
}

export interface AnalysisOptions {
  policy: string;
  quantize?: number;
  inputSize?: [number, number];
  /** false in an untrusted workspace: shapes only, weight files are neither read nor watched. */
  readWeights?: boolean;
}

interface Entry {
  /** Options + text version + model.json stamp the state belongs to. */
  key: string;
  state: AnalysisState;
  /** Weight files and their stamps when they were read (null while computing). */
  weightFiles: FileStamp[] | null;
  jobId: number | null;
}

interface Job {
  id: number;
  path: string;
  key: string;
  request: AnalyzeRequest;
}

async function stampOf(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

export class ModelAnalyzer {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Job[] = [];
  private running: { job: Job; timer: NodeJS.Timeout } | null = null;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly listeners = new Set<(path: string) => void>();
  private watcher: FSWatcher | null = null;
  /** Watched file -> model.json paths that depend on it. */
  private readonly watched = new Map<string, Set<string>>();
  private readonly pendingChanges = new Set<string>();
  private changeTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(private readonly options: AnalyzerOptions) {}

  /** Called with the model.json path whenever its analysis state changes. */
  onDidChange(listener: (path: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The analysis of a model file for this text and these options: cached (ready or error) when
   * nothing changed since, else 'computing' and an analysis is queued. `version` is 'disk' for
   * a saved document (model.json's modification time is checked) or the editor's version for
   * unsaved text.
   */
  async state(path: string, text: string, version: string, opts: AnalysisOptions): Promise<AnalysisState> {
    path = resolve(path);
    const disk = version === 'disk' ? await stampOf(path) : version;
    const key = `${opts.policy}|${opts.quantize ?? ''}|${opts.inputSize?.join('x') ?? ''}|${opts.readWeights === false ? 'shapes' : 'weights'}|${disk}`;
    const e = this.entries.get(path);
    if (e && e.key === key) {
      if (e.state.kind === 'computing') return e.state;
      const files = e.weightFiles ?? [];
      const now = await Promise.all(files.map((f) => stampOf(f.file)));
      if (now.every((s, i) => s === files[i].stamp)) return e.state;
    }
    this.enqueue(path, key, text, opts);
    return this.entries.get(path)!.state;
  }

  /** The last finished state of a file, whatever its key (for the preview panel). */
  peek(path: string): AnalysisState | undefined {
    return this.entries.get(resolve(path))?.state;
  }

  /** Forgets a file's analysis (the next state() recomputes it). */
  invalidate(path: string): void {
    const p = resolve(path);
    if (this.entries.delete(p)) this.emit(p);
  }

  private enqueue(path: string, key: string, text: string, opts: AnalysisOptions): void {
    const id = this.nextId++;
    const request: AnalyzeRequest = {
      type: 'analyze',
      id,
      path,
      text,
      policy: opts.policy,
      quantize: opts.quantize,
      inputSize: opts.inputSize,
      readWeights: opts.readWeights,
    };
    // A newer request for the same file replaces a queued one (typing in an unsaved model.json).
    const queued = this.queue.findIndex((j) => j.path === path);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.queue.push({ id, path, key, request });
    const prev = this.entries.get(path);
    const state: AnalysisState = prev?.state.kind === 'computing' ? prev.state : { kind: 'computing' };
    this.entries.set(path, { key, state, weightFiles: null, jobId: id });
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.options.workerScript, { execArgv: this.options.execArgv });
    w.on('message', (m: AnalyzeResponse) => this.onResult(m));
    w.on('error', (e) => this.onWorkerGone(`the analysis worker failed: ${e.message}`));
    w.on('exit', (code) => {
      if (this.worker === w) this.onWorkerGone(`the analysis worker exited (code ${code})`);
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const job = this.queue.shift();
    if (!job) return;
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      this.options.log?.(`lens: analysis of ${job.path} took longer than ${timeoutMs} ms; worker restarted`);
      this.finish(
        job,
        {
          kind: 'error',
          message: `the analysis did not finish within ${Math.round(timeoutMs / 1000)} s (are the weight files very large?)`,
        },
        [],
      );
      const w = this.worker;
      this.worker = null;
      void w?.terminate();
      this.running = null;
      this.pump();
    }, timeoutMs);
    timer.unref();
    this.running = { job, timer };
    try {
      this.ensureWorker().postMessage(job.request);
    } catch (e) {
      clearTimeout(timer);
      this.running = null;
      this.finish(job, { kind: 'error', message: `cannot start the analysis worker: ${(e as Error).message}` }, []);
    }
  }

  private onWorkerGone(message: string): void {
    this.worker = null;
    const r = this.running;
    if (!r) return;
    clearTimeout(r.timer);
    this.running = null;
    this.options.log?.(`lens: ${message}`);
    this.finish(r.job, { kind: 'error', message }, []);
    this.pump();
  }

  private onResult(m: AnalyzeResponse): void {
    const r = this.running;
    if (!r || r.job.id !== m.id) return;
    clearTimeout(r.timer);
    this.running = null;
    const state: AnalysisState = m.ok ? { kind: 'ready', report: m.report, ms: m.ms } : { kind: 'error', message: m.message };
    if (!m.ok && !m.userError) this.options.log?.(`lens: ${r.job.path}: ${m.message}`);
    this.finish(r.job, state, m.weightFiles);
    this.pump();
  }

  private finish(job: Job, state: AnalysisState, weightFiles: FileStamp[]): void {
    if (this.disposed) return;
    const e = this.entries.get(job.path);
    if (!e || e.jobId !== job.id) return; // superseded by a newer request
    this.entries.set(job.path, { key: job.key, state, weightFiles, jobId: null });
    this.watchFiles(job.path, [job.path, ...weightFiles.map((f) => f.file)]);
    this.emit(job.path);
  }

  private emit(path: string): void {
    for (const l of this.listeners) {
      try {
        l(path);
      } catch (e) {
        this.options.log?.(`lens: listener failed: ${String(e)}`);
      }
    }
  }

  private watchFiles(modelPath: string, files: string[]): void {
    if (this.options.watch === false || this.disposed) return;
    const fresh: string[] = [];
    for (const f of files) {
      const set = this.watched.get(f) ?? new Set<string>();
      if (!this.watched.has(f)) {
        this.watched.set(f, set);
        fresh.push(f);
      }
      set.add(modelPath);
    }
    if (!fresh.length) return;
    if (!this.watcher) {
      // Directories (depth 0), not files: a checkpoint rewritten by rename stays watched.
      const w = watch([], { ignoreInitial: true, depth: 0, usePolling: this.options.usePolling ?? false, interval: 200 });
      const events = w as unknown as NodeJS.EventEmitter;
      const on = (p: string) => this.onFileEvent(resolve(p));
      events.on('add', on);
      events.on('change', on);
      events.on('unlink', on);
      events.on('error', (e: unknown) => this.options.log?.(`lens: file watcher: ${String(e)}`));
      this.watcher = w;
    }
    this.watcher.add([...new Set(fresh.map((f) => dirname(f)))]);
  }

  private onFileEvent(file: string): void {
    const models = this.watched.get(file);
    if (!models) return;
    for (const m of models) this.pendingChanges.add(m);
    if (this.changeTimer) return;
    // A checkpoint writes model.json and weights one after the other: one update for both.
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      const paths = [...this.pendingChanges];
      this.pendingChanges.clear();
      for (const p of paths) this.emit(p);
    }, 250);
    this.changeTimer.unref();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.running) clearTimeout(this.running.timer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.listeners.clear();
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
    await this.watcher?.close();
    this.watcher = null;
  }
}
