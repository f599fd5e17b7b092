// Watches a runs directory with chokidar: run folders appearing, changing and disappearing,
// whether the run was started by this window, another window or the command line.
import { watch, type FSWatcher } from 'chokidar';
import { basename, dirname, relative, sep } from 'node:path';
import { EVENTS_FILE, METRICS_FILE, RUN_FILE } from './types';

export type RunFileName = typeof RUN_FILE | typeof METRICS_FILE | typeof EVENTS_FILE;

export type RunsChange =
  | { kind: 'added'; runId: string }
  | { kind: 'removed'; runId: string }
  | { kind: 'changed'; runId: string; file: RunFileName };

const RUN_FILES = new Set<string>([RUN_FILE, METRICS_FILE, EVENTS_FILE]);

/**
 * Maps a path reported by the watcher to a change of one run, or null for anything else
 * (temp files of atomic writes, checkpoints, hidden folders, the runs directory itself).
 */
export function classifyPath(runsDir: string, path: string, event: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir'): RunsChange | null {
  const rel = relative(runsDir, path);
  if (!rel || rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  const runId = parts[0];
  if (runId.startsWith('.')) return null;
  if (parts.length === 1) {
    if (event === 'addDir') return { kind: 'added', runId };
    if (event === 'unlinkDir') return { kind: 'removed', runId };
    return null;
  }
  if (parts.length === 2 && RUN_FILES.has(parts[1]) && (event === 'add' || event === 'change' || event === 'unlink')) {
    return { kind: 'changed', runId, file: parts[1] as RunFileName };
  }
  return null;
}

export interface RunsWatcherOptions {
  /** Use polling (network drives, some containers). */
  usePolling?: boolean;
  interval?: number;
}

export class RunsWatcher {
  private watcher: FSWatcher | null = null;
  private readonly listeners = new Set<(c: RunsChange) => void>();
  private readonly errorListeners = new Set<(e: Error) => void>();

  constructor(readonly runsDir: string, private readonly options: RunsWatcherOptions = {}) {}

  onChange(listener: (c: RunsChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  onError(listener: (e: Error) => void): { dispose(): void } {
    this.errorListeners.add(listener);
    return { dispose: () => this.errorListeners.delete(listener) };
  }

  /** Starts watching; resolves when the initial scan is done. A missing directory is fine. */
  start(): Promise<void> {
    if (this.watcher) return Promise.resolve();
    const w = watch(this.runsDir, {
      ignoreInitial: true,
      depth: 1,
      usePolling: this.options.usePolling ?? false,
      interval: this.options.interval ?? 250,
      ignored: (p: string) => {
        const b = basename(p);
        return b.endsWith('.tmp') || (b.startsWith('.') && p !== this.runsDir) || basename(dirname(p)) === 'checkpoints';
      },
    });
    this.watcher = w;
    // chokidar types its events with a generic EventEmitter that our @types/node predates.
    const events = w as unknown as NodeJS.EventEmitter;
    const emit = (event: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir') => (path: string) => {
      const c = classifyPath(this.runsDir, path, event);
      if (c) for (const l of this.listeners) l(c);
    };
    events.on('add', emit('add'));
    events.on('change', emit('change'));
    events.on('unlink', emit('unlink'));
    events.on('addDir', emit('addDir'));
    events.on('unlinkDir', emit('unlinkDir'));
    events.on('error', (e: unknown) => { for (const l of this.errorListeners) l(e instanceof Error ? e : new Error(String(e))); });
    return new Promise((resolve) => events.once('ready', () => resolve()));
  }

  async dispose(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    this.listeners.clear();
    this.errorListeners.clear();
    if (w) await w.close();
  }
}
