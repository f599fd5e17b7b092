// The Dashboard webview view: one run at a time, live. The host reads the run folder (RunFollower)
// when the watcher says it changed, and forwards deltas (with the trainer's progress) in at most
// ~10 batches a second, however fast metrics and progress messages arrive. The webview
// asks for a replay when it (re)loads, so its state survives being hidden and shown.
import * as vscode from 'vscode';
import { FromWebview, ToWebview, parseWebviewMessage, toMetricColumns, type HostToWebviewMessage, type RunSnapshotView } from '../protocol';
import { RunFollower } from '../runs/follower';
import { Throttle } from '../runs/throttle';
import { Commands, VIEW_DASHBOARD } from './constants';
import { Disposable, toDisposable } from './dispose';
import type { RunService } from './runService';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

const UPDATE_INTERVAL_MS = 100; // at most 10 updates a second

export class DashboardViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewType = VIEW_DASHBOARD;
  private view: vscode.WebviewView | null = null;
  private runId: string | null = null;
  private follower: RunFollower | null = null;
  private readonly pollThrottle: Throttle;
  private polling = false;
  private repoll = false;
  private liveTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunService,
    private readonly output: vscode.LogOutputChannel,
    private readonly memento: vscode.Memento,
  ) {
    super();
    this.runId = memento.get<string | null>('tuckerTrain.dashboardRun', null);
    this.pollThrottle = this._register(new Throttle(() => void this.poll(), UPDATE_INTERVAL_MS));
    this._register(
      runs.onDidChangeRun((c) => {
        if (c.runId === this.runId) this.pollThrottle.schedule();
      }),
    );
    this._register(
      runs.onDidChangeLive((live) => {
        if (!this.runId && live.runId) {
          this.show(live.runId, false);
          return;
        }
        if (live.runId === this.runId) this.pollThrottle.schedule();
      }),
    );
    // A safety net for file systems whose change events are late or missing, while a run is live.
    this.liveTimer = setInterval(() => {
      if (this.runId && this.runs.liveRun(this.runId)) this.pollThrottle.schedule();
    }, 2000);
    this._register(
      toDisposable(() => {
        if (this.liveTimer) clearInterval(this.liveTimer);
      }),
    );
  }

  get shownRunId(): string | null {
    return this.runId;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = renderWebviewHtml(view.webview, this.extensionUri, 'dashboard');
    const subs = [
      view.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      view.onDidChangeVisibility(() => {
        if (view.visible) this.pollThrottle.schedule();
      }),
    ];
    view.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.view === view) this.view = null;
    });
  }

  /** After a reload (runs adopted), shows a run that is still training rather than a finished one. */
  preferLiveRun(): void {
    const live = this.runs.liveRuns().find((r) => r.runId);
    if (live?.runId && !(this.runId && this.runs.liveRun(this.runId))) this.show(live.runId, false);
  }

  /** Shows a run (or the newest one when `runId` is null); `reveal` focuses the view. */
  show(runId: string | null, reveal = true): void {
    if (runId !== this.runId) {
      this.runId = runId;
      this.follower = null;
      void this.memento.update('tuckerTrain.dashboardRun', runId);
      void this.sendSnapshot();
    }
    if (reveal) {
      if (this.view) this.view.show(true);
      else void vscode.commands.executeCommand(`${VIEW_DASHBOARD}.focus`);
    }
  }

  private post(m: HostToWebviewMessage): void {
    if (this.view) void this.view.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.output.warn(`dashboard: ignored a malformed message from the webview: ${safeJson(raw)}`);
      return;
    }
    switch (m.type) {
      case FromWebview.Ready:
        if (!this.runId) {
          const first = (await this.runs.listRuns())[0];
          this.runId = first?.id ?? null;
        }
        await this.sendSnapshot();
        break;
      case FromWebview.Stop:
        await vscode.commands.executeCommand(Commands.stop, m.runId);
        break;
      case FromWebview.Reveal:
        await vscode.commands.executeCommand(Commands.reveal, m.runId);
        break;
      case FromWebview.StartTraining:
        await vscode.commands.executeCommand(Commands.start);
        break;
      case FromWebview.CheckBackends:
        await vscode.commands.executeCommand(Commands.checkBackends);
        break;
      case FromWebview.SetBaseline:
      case FromWebview.Export:
        this.output.warn(`dashboard: '${m.type}' is for the comparison panel; ignored`);
        break;
    }
  }

  /** Sends the whole run (first show, run switched, webview reloaded, or a file was rewritten). */
  private async sendSnapshot(): Promise<void> {
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
    if (first.badLines.metrics.length)
      problems.push(`metrics.jsonl: skipped invalid line(s) ${first.badLines.metrics.slice(0, 5).join(', ')}`);
    if (first.badLines.events.length)
      problems.push(`events.jsonl: skipped invalid line(s) ${first.badLines.events.slice(0, 5).join(', ')}`);
    if (follower.pendingMetricsText && state.status !== 'running')
      problems.push('metrics.jsonl: ignored an incomplete last line (the trainer stopped while writing it)');
    const run: RunSnapshotView = {
      id: runId,
      dir,
      info: first.info ?? null,
      state,
      metrics: toMetricColumns(first.metrics),
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
    if (!runId || !follower || !this.view) return;
    this.polling = true;
    try {
      const d = await follower.poll();
      if (this.runId !== runId || this.follower !== follower) return;
      if (d.reset) {
        await this.sendSnapshot();
        return;
      }
      if (d.metrics.length) this.post({ type: ToWebview.Metrics, runId, records: d.metrics });
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
      this.output.warn(`dashboard: reading run ${runId}: ${String(e)}`);
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

export function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
}
