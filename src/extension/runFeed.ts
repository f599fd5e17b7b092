// Follows one run folder for a webview (the sidebar dashboard, a run view tab): the whole run as a
// snapshot, then deltas (metric, step and event lines, state, the trainer's progress) in at most
// ~10 batches a second, however fast the trainer writes. A reset file sends a new snapshot.
import type * as vscode from 'vscode';
import { ToWebview, toMetricColumns, toStepColumns, type HostToWebviewMessage, type RunSnapshotView } from '../protocol';
import { RunFollower } from '../runs/follower';
import { Throttle } from '../runs/throttle';
import { Disposable, toDisposable } from './dispose';
import type { RunService } from './runService';

const UPDATE_INTERVAL_MS = 100; // at most 10 updates a second
/** A safety net for file systems whose change events are late or missing, while a run is live. */
const LIVE_POLL_MS = 2000;

export class RunFeed extends Disposable {
  private runId: string | null = null;
  private follower: RunFollower | null = null;
  private readonly pollThrottle: Throttle;
  private polling = false;
  private repoll = false;

  constructor(
    private readonly runs: RunService,
    private readonly output: vscode.LogOutputChannel,
    private readonly post: (m: HostToWebviewMessage) => void,
    /** False while the webview is gone or hidden: polls are skipped (a snapshot follows when shown). */
    private readonly active: () => boolean,
    private readonly label: string,
  ) {
    super();
    this.pollThrottle = this._register(new Throttle(() => void this.poll(), UPDATE_INTERVAL_MS));
    this._register(
      runs.onDidChangeRun((c) => {
        if (c.runId === this.runId) this.pollThrottle.schedule();
      }),
    );
    this._register(
      runs.onDidChangeLive((live) => {
        if (live.runId === this.runId) this.pollThrottle.schedule();
      }),
    );
    const timer = setInterval(() => {
      if (this.runId && this.runs.liveRun(this.runId)) this.pollThrottle.schedule();
    }, LIVE_POLL_MS);
    this._register(toDisposable(() => clearInterval(timer)));
  }

  get shownRunId(): string | null {
    return this.runId;
  }

  /** Follows another run (or none) and sends its snapshot. */
  follow(runId: string | null): void {
    if (runId === this.runId && this.follower) return;
    this.runId = runId;
    this.follower = null;
    void this.sendSnapshot();
  }

  /** Sets the run to follow without sending anything yet (the webview asks for it when ready). */
  select(runId: string | null): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.follower = null;
  }

  /** Asks for a poll soon (the view became visible, something changed). */
  schedule(): void {
    this.pollThrottle.schedule();
  }

  /** Sends the whole run (first show, run switched, webview reloaded, or a file was rewritten). */
  async sendSnapshot(): Promise<void> {
    const runId = this.runId;
    if (!runId) {
      this.post({ type: ToWebview.Run, run: null });
      return;
    }
    const dir = this.runs.runDir(runId);
    const follower = new RunFollower(dir);
    const first = await follower.poll();
    if (this.runId !== runId) return;
    this.follower = follower;
    const state = this.runs.stateOf(runId, first.info ?? null);
    const problems: string[] = [];
    if (first.deleted) problems.push('the run folder was deleted');
    else if (!first.info) problems.push('run.json is missing or not valid');
    for (const [file, lines] of [
      ['metrics.jsonl', first.badLines.metrics],
      ['steps.jsonl', first.badLines.steps],
      ['events.jsonl', first.badLines.events],
    ] as const)
      if (lines.length) problems.push(`${file}: skipped invalid line(s) ${lines.slice(0, 5).join(', ')}`);
    if (follower.pendingMetricsText && state.status !== 'running')
      problems.push('metrics.jsonl: ignored an incomplete last line (the trainer stopped while writing it)');
    const run: RunSnapshotView = {
      id: runId,
      dir,
      info: first.info ?? null,
      state,
      metrics: toMetricColumns(first.metrics),
      steps: toStepColumns(first.steps),
      events: first.events,
      problems,
    };
    this.post({ type: ToWebview.Run, run });
    this.postProgress();
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.repoll = true;
      return;
    }
    const runId = this.runId;
    const follower = this.follower;
    if (!runId || !follower || !this.active()) return;
    this.polling = true;
    try {
      const d = await follower.poll();
      if (this.runId !== runId || this.follower !== follower) return;
      if (d.reset) {
        await this.sendSnapshot();
        return;
      }
      if (d.metrics.length) this.post({ type: ToWebview.Metrics, runId, records: d.metrics });
      if (d.steps.length) this.post({ type: ToWebview.Steps, runId, records: d.steps });
      if (d.events.length) this.post({ type: ToWebview.Events, runId, events: d.events });
      const info = d.info !== undefined ? d.info : follower.runInfo;
      this.post({
        type: ToWebview.State,
        runId,
        info,
        state: d.deleted
          ? { status: 'failed', error: 'the run folder was deleted', canStop: false, stopping: false }
          : this.runs.stateOf(runId, info),
      });
      this.postProgress();
    } catch (e) {
      this.output.warn(`${this.label}: reading run ${runId}: ${String(e)}`);
    } finally {
      this.polling = false;
      if (this.repoll) {
        this.repoll = false;
        this.pollThrottle.schedule();
      }
    }
  }

  private postProgress(): void {
    if (!this.runId) return;
    const live = this.runs.liveRun(this.runId);
    if (live?.progress) this.post({ type: ToWebview.Progress, runId: this.runId, progress: live.progress });
  }
}
