// Which runs exist in the runs directory: listed lazily (newest first), run.json read through a
// cache, the folder watched with chokidar so runs from other windows and the CLI show up too.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRunEntries, RunInfoCache, type RunEntry } from '../runs/reader';
import type { RunInfo } from '../runs/types';
import { RunsWatcher, type RunsChange } from '../runs/watcher';
import { shouldPoll } from '../runs/networkFs';
import { Disposable, toDisposable } from './dispose';

export class RunsIndex extends Disposable {
  private readonly cache = new RunInfoCache();
  private watcher: RunsWatcher | null = null;

  private readonly _onDidChangeRuns = this._register(new vscode.EventEmitter<void>());
  /** The list of runs or some run's run.json changed (debounce before re-rendering). */
  readonly onDidChangeRuns = this._onDidChangeRuns.event;
  private readonly _onDidChangeRun = this._register(new vscode.EventEmitter<RunsChange>());
  /** A file of one run changed on disk. */
  readonly onDidChangeRun = this._onDidChangeRun.event;

  constructor(
    private runsDirectory: string,
    private readonly output: vscode.LogOutputChannel,
  ) {
    super();
    this._register(toDisposable(() => void this.watcher?.dispose()));
  }

  get runsDir(): string {
    return this.runsDirectory;
  }

  /** Starts watching; does not wait for chokidar's initial scan. */
  startWatching(): void {
    // Runs written by Slurm jobs on other nodes to a network file system send no file events here: poll there.
    const setting = vscode.workspace.getConfiguration('tuckerTrain').get<string>('watch.usePolling', 'auto');
    const polling = shouldPoll(setting === 'always' || setting === 'never' ? setting : 'auto', this.runsDirectory);
    this.output.info(`watching ${this.runsDirectory}: ${polling.why}`);
    const w = new RunsWatcher(this.runsDirectory, polling.poll ? { usePolling: true, interval: 1000 } : {});
    this.watcher = w;
    w.onChange((c) => {
      if (c.kind === 'removed') this.cache.forget(this.runDir(c.runId));
      if (c.kind !== 'changed' || c.file === 'run.json') this._onDidChangeRuns.fire();
      this._onDidChangeRun.fire(c);
    });
    w.onError((e) => this.output.warn(`watching ${this.runsDirectory}: ${e.message}`));
    w.start().catch((e: unknown) => this.output.warn(`cannot watch ${this.runsDirectory}: ${String(e)}`));
  }

  setRunsDirectory(dir: string): void {
    if (dir === this.runsDirectory) return;
    this.runsDirectory = dir;
    void this.watcher?.dispose();
    this.watcher = null;
    this.startWatching();
    this._onDidChangeRuns.fire();
  }

  /** For changes the watcher cannot see first: a run this window started got its folder, or ended. */
  notifyRunsChanged(): void {
    this._onDidChangeRuns.fire();
  }

  runDir(runId: string): string {
    return path.join(this.runsDirectory, runId);
  }

  listRuns(): Promise<RunEntry[]> {
    return listRunEntries(this.runsDirectory);
  }

  readInfo(runId: string): Promise<RunInfo | null> {
    return this.cache.get(this.runDir(runId));
  }
}
