// The runs this window follows while they train: the ones it started (a TrainerProcess with IPC)
// and the ones it adopted after a reload (only a pid: followed through their files, stopped by
// signal). Copies trainer logs to the output channel and notices runs ending.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunProgressView, TrainerMessage } from '../protocol';
import type { StudyRecord } from '../study/types';
import type { JsonlTail } from '../runs/jsonl';
import { isRunOwnerAlive } from '../runs/reader';
import { finalizeAbandonedRun } from '../runs/recovery';
import type { EpochMetrics } from '../runs/types';
import { CONTEXT_HAS_LIVE_RUN, Commands } from './constants';
import { Disposable, toDisposable } from './dispose';
import type { OwnedRuns } from './ownedRuns';
import { TextTail } from './textTail';
import { TrainerProcess, signalPid, type TrainerExit } from './trainerProcess';
import { trainerArgs, type TrainRequest } from './trainRequest';
import { totalEpochs } from '../runs/schedule';

export interface LiveRun {
  /** Known once the trainer said `started` (or at once for an adopted run). */
  runId: string | null;
  dir: string | null;
  name: string;
  totalEpochs: number;
  pid: number | null;
  /** When that process started (run.json's pidStart): an adopted run's pid is only signalled while it matches. */
  pidStart?: string | null;
  process: TrainerProcess | null; // null: adopted after a reload, stopped by signal
  logFile: string | null;
  progress: RunProgressView | null;
  lastMetrics: EpochMetrics | null;
  stopping: boolean;
  ended: boolean;
  /** A `tucker-train study` process: its study.json as last reported (null for a single run). */
  study?: { dir: string; record: StudyRecord } | null;
}

/** The files followed for a live run. */
export interface LiveRunTails {
  logTail: TextTail | null;
  /** Adopted runs only: there is no IPC, so progress comes from metrics.jsonl. */
  metricsTail?: JsonlTail<EpochMetrics>;
}

export interface LiveRunsOptions {
  cliPath: string;
  logDir: string;
  owned: OwnedRuns;
  output: vscode.LogOutputChannel;
  /** A run got its folder or ended: the runs list should be re-read. */
  onRunsChanged(): void;
}

export class LiveRuns extends Disposable {
  private readonly live = new Map<LiveRun, LiveRunTails>();
  private pollTimer: ReturnType<typeof setInterval> | null = null;

  private readonly _onDidChangeLive = this._register(new vscode.EventEmitter<LiveRun>());
  /** A live run's progress, pid, stopping flag or end changed. */
  readonly onDidChangeLive = this._onDidChangeLive.event;

  constructor(private readonly o: LiveRunsOptions) {
    super();
    this._register(
      toDisposable(() => {
        if (this.pollTimer) clearInterval(this.pollTimer);
        // Window closing or reloading: leave trainers running; the next window adopts them.
        for (const run of this.live.keys()) run.process?.detach();
      }),
    );
  }

  all(): LiveRun[] {
    return [...this.live.keys()];
  }

  /** The live run with this id that has not ended. */
  get(runId: string): LiveRun | undefined {
    return this.all().find((r) => r.runId === runId && !r.ended);
  }

  // ---- starting ----

  start(request: TrainRequest, cwd: string): LiveRun {
    return this.startProcess(trainerArgs(request), request.name, request.epochs, cwd);
  }

  /**
   * Forks `dist/cli.js <args>` and follows it: `train …` for one run, or `study …`, whose one
   * process trains its scenarios one after another (the LiveRun follows the current one).
   */
  startProcess(args: string[], name: string, epochs: number, cwd: string): LiveRun {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const logFile = path.join(this.o.logDir, `${stamp}-${name.replace(/[^\w.-]+/g, '_')}.log`);
    const run: LiveRun = {
      runId: null,
      dir: null,
      name,
      totalEpochs: epochs,
      pid: null,
      process: null,
      logFile,
      progress: null,
      lastMetrics: null,
      stopping: false,
      ended: false,
    };
    this.o.output.info(`starting trainer: node ${path.basename(this.o.cliPath)} ${args.join(' ')}`);
    const tail = new TextTail(logFile);
    this.live.set(run, { logTail: tail });
    run.process = new TrainerProcess({
      cliPath: this.o.cliPath,
      args,
      cwd,
      logFile,
      onMessage: (m) => this.onTrainerMessage(run, m),
      onExit: (e) => void this.onTrainerExit(run, e),
      onError: (e) => this.o.output.error(`trainer process: ${e.message}`),
    });
    run.pid = run.process.pid ?? null;
    this.ensurePolling();
    this.fireLive(run);
    return run;
  }

  /** Follows a run found after a window reload. Polling starts with `ensurePolling`. */
  adopt(run: LiveRun, tails: LiveRunTails): void {
    this.live.set(run, tails);
    this.fireLive(run);
  }

  private onTrainerMessage(run: LiveRun, m: TrainerMessage): void {
    const output = this.o.output;
    switch (m.type) {
      case 'started':
        if (run.dir && run.dir !== m.runDir) {
          // A study's next scenario: the previous run has ended, follow the new one.
          void this.o.owned.forget({ ...run });
          run.progress = null;
          run.lastMetrics = null;
        }
        run.dir = m.runDir;
        run.runId = path.basename(m.runDir);
        run.totalEpochs = totalEpochs(m.run.config);
        run.pid = m.run.pid ?? run.pid;
        run.pidStart = m.run.pidStart ?? null;
        output.info(`run ${run.runId} started in ${m.runDir} (backend: ${m.run.backend?.used ?? 'pending'})`);
        void this.o.owned.remember(run);
        this.o.onRunsChanged();
        break;
      case 'progress':
        run.progress = {
          epoch: m.epoch,
          step: m.step,
          stepsPerEpoch: m.stepsPerEpoch,
          imagesPerSecond: m.imagesPerSecond,
          etaSeconds: m.etaSeconds,
        };
        break;
      case 'metrics':
        run.lastMetrics = m.record;
        break;
      case 'event':
        if (m.event.type === 'decompose')
          output.info(
            `run ${run.runId}: decomposed after epoch ${m.event.epoch}: ${m.event.paramsBefore} → ${m.event.paramsAfter} parameters`,
          );
        break;
      case 'finished':
        output.info(`run ${run.runId ?? run.name} ${m.status}`);
        if (!run.study) this.notifyFinished(run, m.status);
        break;
      case 'study':
        run.study = { dir: m.studyDir, record: m.study };
        this.o.onRunsChanged(); // the Runs tree shows the study's progress
        break;
      case 'failed':
        output.error(`run ${run.runId ?? run.name} failed: ${m.error}`);
        if (m.runDir && !run.dir) {
          run.dir = m.runDir;
          run.runId = path.basename(m.runDir);
        }
        void vscode.window.showErrorMessage(`Tucker Train: run ${run.name} failed: ${m.error}`, 'Show Log').then((a) => {
          if (a) output.show(true);
        });
        break;
    }
    this.fireLive(run);
  }

  /** "Run finished" with its final accuracy and Open; a stop the user asked for is a plain note. */
  private notifyFinished(run: LiveRun, status: string): void {
    const m = run.lastMetrics;
    const acc = m ? `${((m.valAccuracy ?? m.trainAccuracy) * 100).toFixed(2)} %` : null;
    const text =
      status === 'completed'
        ? `Tucker Train: run ${run.name} finished${acc ? ` — final accuracy ${acc}` : ''}.`
        : status === 'stopped'
          ? `Tucker Train: run ${run.name} stopped${m ? ` after epoch ${m.epoch}${acc ? ` (accuracy ${acc})` : ''}` : ''}; Resume continues it.`
          : null;
    if (!text) return; // failures have their own error message
    const runId = run.runId;
    void vscode.window.showInformationMessage(text, ...(runId ? ['Open'] : [])).then((a) => {
      if (a && runId) void vscode.commands.executeCommand(Commands.open, runId);
    });
  }

  private async onTrainerExit(run: LiveRun, e: TrainerExit): Promise<void> {
    await this.pumpLog(run);
    run.ended = true;
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    this.o.output.info(`trainer for ${run.runId ?? run.name} ${how}`);
    await this.closeIfAbandoned(run, e.code === 0 && !e.signal ? null : `the trainer ${how}`);
    if (!run.dir && e.code !== 0) {
      void vscode.window
        .showErrorMessage(`Tucker Train: the trainer ${how} before starting the run. See the output for details.`, 'Show Log')
        .then((a) => {
          if (a) this.o.output.show(true);
        });
    }
    await this.o.owned.forget(run);
    this.live.delete(run);
    this.fireLive(run);
    this.o.onRunsChanged();
  }

  /** The trainer is gone but run.json still says running: record what happened. */
  private async closeIfAbandoned(run: LiveRun, reason: string | null): Promise<void> {
    if (!run.dir) return;
    const status = run.stopping ? 'stopped' : 'failed';
    const message = run.stopping
      ? `stopped from VS Code${reason ? ` (${reason})` : ''}`
      : `${reason ?? 'the trainer ended'} without finishing the run`;
    const info = await finalizeAbandonedRun(run.dir, status, message);
    if (info) this.o.output.warn(`run ${run.runId}: marked ${status}: ${message}`);
  }

  // ---- stopping ----

  /**
   * Stops a live run: a started one through IPC, an adopted one by SIGTERM (SIGKILL after 30 s).
   * False when no live run has this id.
   */
  stop(runId: string): boolean {
    const live = this.get(runId);
    if (!live) return false;
    live.stopping = true;
    this.fireLive(live);
    if (live.process) {
      live.process.stop();
    } else if (live.pid !== null) {
      const pid = live.pid,
        start = live.pidStart ?? null;
      if (!signalPid(pid, 'SIGTERM', start)) this.o.output.warn(`run ${runId}: process ${pid} is no longer its trainer; nothing signalled`);
      setTimeout(() => {
        if (!live.ended) signalPid(pid, 'SIGKILL', start);
      }, 30_000);
    }
    this.o.output.info(`stop requested for run ${runId}`);
    return true;
  }

  // ---- following ----

  /** While runs are live: copy their log to the output channel and notice adopted runs ending. */
  ensurePolling(): void {
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
        if (records.length) {
          run.lastMetrics = records[records.length - 1]!;
          this.fireLive(run);
        }
      }
      if (!run.process && run.pid !== null && !run.ended && !isRunOwnerAlive(run.pid, run.pidStart ?? null)) {
        run.ended = true;
        await this.closeIfAbandoned(run, `process ${run.pid} ended`);
        await this.o.owned.forget(run);
        this.live.delete(run);
        this.fireLive(run);
        this.o.onRunsChanged();
      }
    }
  }

  private async pumpLog(run: LiveRun): Promise<void> {
    const tail = this.live.get(run)?.logTail;
    if (!tail) return;
    const text = await tail.read();
    if (text) this.o.output.append(text);
  }

  private fireLive(run: LiveRun): void {
    const any = this.all().some((r) => !r.ended);
    void vscode.commands.executeCommand('setContext', CONTEXT_HAS_LIVE_RUN, any);
    this._onDidChangeLive.fire(run);
  }
}
