// The extension's model of runs, one object for the views and commands: the runs index (what is
// in the runs directory), the live runs (started or adopted by this window) and reload adoption.
// It only joins them where a question needs both: a run's state, and stopping any run by id.
import type * as vscode from 'vscode';
import type { RunStateView } from '../protocol';
import { readRunInfo, type RunEntry } from '../runs/reader';
import type { RunInfo } from '../runs/types';
import type { RunsChange } from '../runs/watcher';
import { listStudies, type StudyEntry } from '../study/reader';
import { Disposable } from './dispose';
import { LiveRuns, type LiveRun } from './liveRuns';
import { OwnedRuns } from './ownedRuns';
import { adoptRunsAfterReload } from './reloadAdoption';
import { RunsIndex } from './runsIndex';
import { runsOnThisMachine, runStateView } from './runState';
import { signalPid } from './trainerProcess';
import { stopRun } from '../executor/stop';
import { RunningProbe } from './runningProbe';
import { rewriteRunInfo } from '../runs/writer';
import { totalEpochs } from '../runs/schedule';
import type { TrainRequest } from './trainRequest';

export type { LiveRun } from './liveRuns';

export class RunService extends Disposable {
  private readonly index: RunsIndex;
  private readonly live: LiveRuns;
  private readonly owned: OwnedRuns;
  private readonly probe: RunningProbe;

  /** The list of runs or some run's run.json changed (debounce before re-rendering). */
  readonly onDidChangeRuns: vscode.Event<void>;
  /** A file of one run changed on disk. */
  readonly onDidChangeRun: vscode.Event<RunsChange>;
  /** A live run's progress, pid, stopping flag or end changed. */
  readonly onDidChangeLive: vscode.Event<LiveRun>;

  constructor(
    runsDirectory: string,
    cliPath: string,
    logDir: string,
    state: vscode.Memento,
    private readonly output: vscode.LogOutputChannel,
  ) {
    super();
    this.index = this._register(new RunsIndex(runsDirectory, output));
    this.owned = new OwnedRuns(state);
    this.live = this._register(
      new LiveRuns({ cliPath, logDir, owned: this.owned, output, onRunsChanged: () => this.index.notifyRunsChanged() }),
    );
    this.onDidChangeRuns = this.index.onDidChangeRuns;
    this.onDidChangeRun = this.index.onDidChangeRun;
    this.onDidChangeLive = this.live.onDidChangeLive;
    this.probe = new RunningProbe(
      async (id) => this.stateOf(id, await this.readInfo(id)).status,
      () => this.index.notifyRunsChanged(),
    );
    this._register({ dispose: () => this.probe.dispose() });
  }

  /** A view showed this status: runs that look running but are not this window's are re-probed (runningProbe.ts). */
  observeStatus(runId: string, status: string): void {
    this.probe.observe(runId, status === 'running' && !this.liveRun(runId) ? status : 'other');
  }

  /** Edits run.json (rename, tags, star: runs/annotations.ts) and refreshes the views. */
  annotate(runId: string, edit: (info: RunInfo) => RunInfo): RunInfo {
    const next = rewriteRunInfo(this.runDir(runId), edit);
    this.index.notifyRunsChanged();
    return next;
  }

  /** A run folder was deleted from VS Code: forget it now rather than at the watcher's event. */
  notifyDeleted(runId: string): void {
    this.probe.observe(runId, 'deleted');
    this.index.notifyRunsChanged();
  }

  /** Forks `tucker-train resume <runDir>`, as the CLI would run it, and follows it like a started run. */
  resume(runId: string, info: RunInfo, cwd: string): LiveRun {
    return this.live.startProcess(['resume', this.runDir(runId), '--ipc'], info.displayName || info.name, totalEpochs(info.config), cwd);
  }

  get runsDir(): string {
    return this.index.runsDir;
  }

  /** Starts watching (non-blocking) and adopts runs still training after a window reload. */
  async initialize(): Promise<void> {
    this.index.startWatching();
    await adoptRunsAfterReload({ owned: this.owned, listRuns: () => this.index.listRuns(), live: this.live, output: this.output });
  }

  setRunsDirectory(dir: string): void {
    this.index.setRunsDirectory(dir);
  }

  runDir(runId: string): string {
    return this.index.runDir(runId);
  }

  listRuns(): Promise<RunEntry[]> {
    return this.index.listRuns();
  }

  readInfo(runId: string): Promise<RunInfo | null> {
    return this.index.readInfo(runId);
  }

  liveRuns(): LiveRun[] {
    return this.live.all();
  }

  liveRun(runId: string): LiveRun | undefined {
    return this.live.get(runId);
  }

  /** Status and what the UI may do, for a run read from disk. */
  stateOf(runId: string, info: RunInfo | null): RunStateView {
    return runStateView(info, this.liveRun(runId));
  }

  start(request: TrainRequest, cwd: string): LiveRun {
    return this.live.start(request, cwd);
  }

  /** Forks `tucker-train study …` (src/extension/studyRequest.ts builds the arguments). */
  startStudy(args: string[], name: string, epochs: number, cwd: string): LiveRun {
    return this.live.startProcess(args, name, epochs, cwd);
  }

  /** The studies of the runs directory (`studies/<id>/study.json`), newest first. */
  listStudies(): Promise<StudyEntry[]> {
    return listStudies(this.index.runsDir);
  }

  /** Stops a run: a live one through its process, otherwise by signalling the pid in run.json. */
  async stop(runId: string): Promise<boolean> {
    if (this.live.stop(runId)) return true;
    const info = await readRunInfo(this.runDir(runId));
    if (info?.executor?.kind === 'slurm' && (info.status === 'queued' || info.status === 'running')) {
      const r = await stopRun(this.runDir(runId)); // scancel; throws with Slurm's words
      this.output.info(`run ${runId}: ${r.message}`);
      this.index.notifyRunsChanged();
      return true;
    }
    if (info && runsOnThisMachine(info)) {
      if (!signalPid(info.pid, 'SIGTERM', info.pidStart ?? null)) return false; // the pid is another process's now
      this.output.info(`sent SIGTERM to process ${info.pid} (run ${runId}, started outside this window)`);
      return true;
    }
    return false;
  }
}
