// The extension's model of runs: the runs directory (listed lazily, watched with chokidar), the
// runs this window started or adopted after a reload (live runs), and how to stop them.
import { hostname } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunProgressView, RunStateView, TrainerMessage } from '../protocol';
import { JsonlTail } from '../runs/jsonl';
import { effectiveState, isEpochMetrics, isProcessAlive, listRunEntries, readRunInfo, RunInfoCache, type RunEntry } from '../runs/reader';
import { finalizeAbandonedRun } from '../runs/recovery';
import { METRICS_FILE, type EpochMetrics, type RunInfo } from '../runs/types';
import { RunsWatcher, type RunsChange } from '../runs/watcher';
import { CONTEXT_HAS_LIVE_RUN, STATE_OWNED_RUNS } from './constants';
import { Disposable, toDisposable } from './dispose';
import { TextTail } from './textTail';
import { TrainerProcess, signalPid, type TrainerExit } from './trainerProcess';
import { trainerArgs, type TrainRequest } from './trainRequest';

export interface LiveRun {
  /** Known once the trainer said `started` (or at once for an adopted run). */
  runId: string | null;
  dir: string | null;
  name: string;
  totalEpochs: number;
  pid: number | null;
  process: TrainerProcess | null;   // null: adopted after a reload, stopped by signal
  logFile: string | null;
  progress: RunProgressView | null;
  lastMetrics: EpochMetrics | null;
  stopping: boolean;
  ended: boolean;
}

/** How many of the newest run folders are checked for live runs at activation. */
const ADOPT_SCAN_LIMIT = 50;

interface OwnedRunRecord {
  dir: string;
  pid: number;
  logFile: string | null;
  name: string;
  totalEpochs: number;
}

export class RunService extends Disposable {
  private readonly cache = new RunInfoCache();
  private watcher: RunsWatcher | null = null;
  private readonly live = new Map<LiveRun, { logTail: TextTail | null; metricsTail?: JsonlTail<EpochMetrics> }>();
  private pollTimer: ReturnType<typeof setInterval> | null = null;

  private readonly _onDidChangeRuns = this._register(new vscode.EventEmitter<void>());
  /** The list of runs or some run's run.json changed (debounce before re-rendering). */
  readonly onDidChangeRuns = this._onDidChangeRuns.event;
  private readonly _onDidChangeRun = this._register(new vscode.EventEmitter<RunsChange>());
  /** A file of one run changed on disk. */
  readonly onDidChangeRun = this._onDidChangeRun.event;
  private readonly _onDidChangeLive = this._register(new vscode.EventEmitter<LiveRun>());
  /** A live run's progress, pid, stopping flag or end changed. */
  readonly onDidChangeLive = this._onDidChangeLive.event;

  constructor(
    private runsDirectory: string,
    private readonly cliPath: string,
    private readonly logDir: string,
    private readonly state: vscode.Memento,
    private readonly output: vscode.LogOutputChannel,
  ) {
    super();
    this._register(toDisposable(() => {
      if (this.pollTimer) clearInterval(this.pollTimer);
      void this.watcher?.dispose();
      // Window closing or reloading: leave trainers running; the next window adopts them.
      for (const run of this.live.keys()) run.process?.detach();
    }));
  }

  get runsDir(): string {
    return this.runsDirectory;
  }

  /** Starts watching (non-blocking) and adopts runs this workspace started before a reload. */
  async initialize(): Promise<void> {
    this.startWatcher();
    await this.adoptOwnedRuns();
  }

  setRunsDirectory(dir: string): void {
    if (dir === this.runsDirectory) return;
    this.runsDirectory = dir;
    void this.watcher?.dispose();
    this.watcher = null;
    this.startWatcher();
    this._onDidChangeRuns.fire();
  }

  private startWatcher(): void {
    const w = new RunsWatcher(this.runsDirectory);
    this.watcher = w;
    w.onChange((c) => {
      if (c.kind === 'removed') this.cache.forget(this.runDir(c.runId));
      if (c.kind !== 'changed' || c.file === 'run.json') this._onDidChangeRuns.fire();
      this._onDidChangeRun.fire(c);
    });
    w.onError((e) => this.output.warn(`watching ${this.runsDirectory}: ${e.message}`));
    w.start().catch((e: unknown) => this.output.warn(`cannot watch ${this.runsDirectory}: ${String(e)}`));
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

  liveRuns(): LiveRun[] {
    return [...this.live.keys()];
  }

  liveRun(runId: string): LiveRun | undefined {
    return this.liveRuns().find((r) => r.runId === runId && !r.ended);
  }

  /** Status and what the UI may do, for a run read from disk. */
  stateOf(runId: string, info: RunInfo | null): RunStateView {
    const live = this.liveRun(runId);
    if (!info) {
      return { status: live ? 'running' : 'failed', error: live ? null : 'run.json is missing or not valid', canStop: !!live, stopping: live?.stopping ?? false };
    }
    const s = live && info.status === 'running' ? { status: info.status, error: info.error } : effectiveState(info);
    const canStop = s.status === 'running' && (!!live || (info.pid !== null && info.host?.hostname === hostname() && isProcessAlive(info.pid)));
    return { status: s.status, error: s.error, canStop, stopping: live?.stopping ?? false };
  }

  // ---- starting ----

  start(request: TrainRequest, cwd: string): LiveRun {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const logFile = path.join(this.logDir, `${stamp}-${request.name.replace(/[^\w.-]+/g, '_')}.log`);
    const run: LiveRun = {
      runId: null, dir: null, name: request.name, totalEpochs: request.epochs, pid: null, process: null,
      logFile, progress: null, lastMetrics: null, stopping: false, ended: false,
    };
    const args = trainerArgs(request);
    this.output.info(`starting trainer: node ${path.basename(this.cliPath)} ${args.join(' ')}`);
    const tail = new TextTail(logFile);
    this.live.set(run, { logTail: tail });
    run.process = new TrainerProcess({
      cliPath: this.cliPath,
      args,
      cwd,
      logFile,
      onMessage: (m) => this.onTrainerMessage(run, m),
      onExit: (e) => void this.onTrainerExit(run, e),
      onError: (e) => this.output.error(`trainer process: ${e.message}`),
    });
    run.pid = run.process.pid ?? null;
    this.ensurePolling();
    this.fireLive(run);
    return run;
  }

  private onTrainerMessage(run: LiveRun, m: TrainerMessage): void {
    switch (m.type) {
      case 'started':
        run.dir = m.runDir;
        run.runId = path.basename(m.runDir);
        run.totalEpochs = m.run.config.epochs + (m.run.config.finetuneAfterTraining ?? 0);
        run.pid = m.run.pid ?? run.pid;
        this.output.info(`run ${run.runId} started in ${m.runDir} (backend: ${m.run.backend?.used ?? 'pending'})`);
        void this.rememberOwned(run);
        this._onDidChangeRuns.fire();
        break;
      case 'progress':
        run.progress = { epoch: m.epoch, step: m.step, stepsPerEpoch: m.stepsPerEpoch, imagesPerSecond: m.imagesPerSecond, etaSeconds: m.etaSeconds };
        break;
      case 'metrics':
        run.lastMetrics = m.record;
        break;
      case 'event':
        if (m.event.type === 'decompose') this.output.info(`run ${run.runId}: decomposed after epoch ${m.event.epoch}: ${m.event.paramsBefore} → ${m.event.paramsAfter} parameters`);
        break;
      case 'finished':
        this.output.info(`run ${run.runId ?? run.name} ${m.status}`);
        break;
      case 'failed':
        this.output.error(`run ${run.runId ?? run.name} failed: ${m.error}`);
        if (m.runDir && !run.dir) { run.dir = m.runDir; run.runId = path.basename(m.runDir); }
        void vscode.window.showErrorMessage(`Tucker Train: run ${run.name} failed: ${m.error}`, 'Show Log').then((a) => { if (a) this.output.show(true); });
        break;
    }
    this.fireLive(run);
  }

  private async onTrainerExit(run: LiveRun, e: TrainerExit): Promise<void> {
    await this.pumpLog(run);
    run.ended = true;
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    this.output.info(`trainer for ${run.runId ?? run.name} ${how}`);
    await this.closeIfAbandoned(run, e.code === 0 && !e.signal ? null : `the trainer ${how}`);
    if (!run.dir && e.code !== 0) {
      void vscode.window.showErrorMessage(`Tucker Train: the trainer ${how} before starting the run. See the output for details.`, 'Show Log').then((a) => { if (a) this.output.show(true); });
    }
    await this.forgetOwned(run);
    this.live.delete(run);
    this.fireLive(run);
    this._onDidChangeRuns.fire();
  }

  /** The trainer is gone but run.json still says running: record what happened. */
  private async closeIfAbandoned(run: LiveRun, reason: string | null): Promise<void> {
    if (!run.dir) return;
    const status = run.stopping ? 'stopped' : 'failed';
    const message = run.stopping
      ? `stopped from VS Code${reason ? ` (${reason})` : ''}`
      : `${reason ?? 'the trainer ended'} without finishing the run`;
    const info = await finalizeAbandonedRun(run.dir, status, message);
    if (info) this.output.warn(`run ${run.runId}: marked ${status}: ${message}`);
  }

  // ---- stopping ----

  /** Stops a run: the owned process through IPC, otherwise by signalling the pid in run.json. */
  async stop(runId: string): Promise<boolean> {
    const live = this.liveRun(runId);
    if (live) {
      live.stopping = true;
      this.fireLive(live);
      if (live.process) {
        live.process.stop();
      } else if (live.pid !== null) {
        signalPid(live.pid, 'SIGTERM');
        const pid = live.pid;
        setTimeout(() => { if (!live.ended && isProcessAlive(pid)) signalPid(pid, 'SIGKILL'); }, 30_000);
      }
      this.output.info(`stop requested for run ${runId}`);
      return true;
    }
    const info = await readRunInfo(this.runDir(runId));
    if (info && info.status === 'running' && info.pid !== null && info.host?.hostname === hostname() && isProcessAlive(info.pid)) {
      signalPid(info.pid, 'SIGTERM');
      this.output.info(`sent SIGTERM to process ${info.pid} (run ${runId}, started outside this window)`);
      return true;
    }
    return false;
  }

  // ---- surviving a window reload ----

  private owned(): OwnedRunRecord[] {
    const v = this.state.get<unknown>(STATE_OWNED_RUNS, []);
    return Array.isArray(v) ? v.filter((r): r is OwnedRunRecord => typeof r === 'object' && r !== null && typeof (r as OwnedRunRecord).dir === 'string' && typeof (r as OwnedRunRecord).pid === 'number') : [];
  }

  private async rememberOwned(run: LiveRun): Promise<void> {
    if (!run.dir || run.pid === null) return;
    const rec: OwnedRunRecord = { dir: run.dir, pid: run.pid, logFile: run.logFile, name: run.name, totalEpochs: run.totalEpochs };
    await this.state.update(STATE_OWNED_RUNS, [...this.owned().filter((r) => r.dir !== run.dir), rec]);
  }

  private async forgetOwned(run: LiveRun): Promise<void> {
    if (!run.dir) return;
    await this.state.update(STATE_OWNED_RUNS, this.owned().filter((r) => r.dir !== run.dir));
  }

  /**
   * After a window reload: finds runs that are still running on this machine and follows them
   * again (progress from their files, Stop by signal). Candidates are the runs this workspace
   * started (workspaceState, which may miss the last moments before the reload) and the newest
   * run folders (a bounded number, so thousands of runs do not slow activation).
   */
  private async adoptOwnedRuns(): Promise<void> {
    const records = new Map(this.owned().map((r) => [r.dir, r] as const));
    for (const e of (await this.listRuns()).slice(0, ADOPT_SCAN_LIMIT)) {
      if (!records.has(e.dir)) records.set(e.dir, { dir: e.dir, pid: -1, logFile: null, name: e.id, totalEpochs: 0 });
    }
    const keep: OwnedRunRecord[] = [];
    for (const rec of records.values()) {
      if (this.liveRuns().some((r) => r.dir === rec.dir)) continue;
      const info = await readRunInfo(rec.dir);
      if (!info || info.status !== 'running' || info.host?.hostname !== hostname()) continue;
      const pid = info.pid ?? rec.pid;
      const fromState = rec.pid !== -1;
      if (!isProcessAlive(pid)) {
        if (fromState) await finalizeAbandonedRun(rec.dir, 'failed', `the trainer (process ${pid}) ended without finishing the run while the window was reloading: it crashed or was killed`);
        continue;
      }
      const run: LiveRun = {
        runId: path.basename(rec.dir), dir: rec.dir, name: info.name, totalEpochs: info.config.epochs + (info.config.finetuneAfterTraining ?? 0), pid, process: null,
        logFile: rec.logFile, progress: null, lastMetrics: null, stopping: false, ended: false,
      };
      // No IPC with an adopted trainer: follow its metrics file for the status bar instead.
      this.live.set(run, { logTail: rec.logFile ? new TextTail(rec.logFile, true) : null, metricsTail: new JsonlTail(path.join(rec.dir, METRICS_FILE), isEpochMetrics) });
      if (fromState) keep.push({ ...rec, pid });
      this.output.info(`following run ${run.runId} (process ${pid}), started ${fromState ? 'by this workspace before the window reloaded' : 'outside this window'}`);
      this.fireLive(run);
    }
    await this.state.update(STATE_OWNED_RUNS, keep);
    this.ensurePolling();
  }

  /** While runs are live: copy their log to the output channel and notice adopted runs ending. */
  private ensurePolling(): void {
    if (this.pollTimer || this.live.size === 0) return;
    this.pollTimer = setInterval(() => void this.poll(), 500);
  }

  private async poll(): Promise<void> {
    if (this.live.size === 0 && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = null;
      return;
    }
    for (const run of [...this.live.keys()]) {
      await this.pumpLog(run);
      const tail = this.live.get(run)?.metricsTail;
      if (tail) {
        const { records } = await tail.read();
        if (records.length) { run.lastMetrics = records[records.length - 1]!; this.fireLive(run); }
      }
      if (!run.process && run.pid !== null && !run.ended && !isProcessAlive(run.pid)) {
        run.ended = true;
        await this.closeIfAbandoned(run, `process ${run.pid} ended`);
        await this.forgetOwned(run);
        this.live.delete(run);
        this.fireLive(run);
        this._onDidChangeRuns.fire();
      }
    }
  }

  private async pumpLog(run: LiveRun): Promise<void> {
    const tail = this.live.get(run)?.logTail;
    if (!tail) return;
    const text = await tail.read();
    if (text) this.output.append(text);
  }

  private fireLive(run: LiveRun): void {
    const any = this.liveRuns().some((r) => !r.ended);
    void vscode.commands.executeCommand('setContext', CONTEXT_HAS_LIVE_RUN, any);
    this._onDidChangeLive.fire(run);
  }
}
