// The Dashboard webview view: one run at a time, live. A RunFeed reads the run folder when the
// watcher says it changed and forwards deltas (with the trainer's progress); the webview asks
// for a replay when it (re)loads, so its state survives being hidden and shown.
import * as vscode from 'vscode';
import { FromWebview, parseWebviewMessage, type HostToWebviewMessage } from '../protocol';
import { Commands, VIEW_DASHBOARD } from './constants';
import { Disposable } from './dispose';
import { RunFeed } from './runFeed';
import type { RunService } from './runService';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export class DashboardViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewType = VIEW_DASHBOARD;
  private view: vscode.WebviewView | null = null;
  private readonly feed: RunFeed;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunService,
    private readonly output: vscode.LogOutputChannel,
    private readonly memento: vscode.Memento,
  ) {
    super();
    this.feed = this._register(
      new RunFeed(
        runs,
        output,
        (m) => this.post(m),
        () => this.view !== null,
        'dashboard',
      ),
    );
    // Not followed yet: the first snapshot goes when the webview says it is ready.
    this.feed.select(memento.get<string | null>('tuckerTrain.dashboardRun', null));
    this._register(
      runs.onDidChangeLive((live) => {
        if (!this.feed.shownRunId && live.runId) this.show(live.runId, false);
      }),
    );
  }

  get shownRunId(): string | null {
    return this.feed.shownRunId;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = renderWebviewHtml(view.webview, this.extensionUri, 'dashboard');
    const subs = [
      view.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      view.onDidChangeVisibility(() => {
        if (view.visible) this.feed.schedule();
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
    const shown = this.feed.shownRunId;
    if (live?.runId && !(shown && this.runs.liveRun(shown))) this.show(live.runId, false);
  }

  /** Shows a run (or the newest one when `runId` is null); `reveal` focuses the view. */
  show(runId: string | null, reveal = true): void {
    if (runId !== this.feed.shownRunId) {
      void this.memento.update('tuckerTrain.dashboardRun', runId);
      this.feed.follow(runId);
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
      case FromWebview.Ready: {
        let runId = this.feed.shownRunId;
        if (!runId) runId = (await this.runs.listRuns())[0]?.id ?? null;
        this.feed.select(runId);
        await this.feed.sendSnapshot();
        break;
      }
      case FromWebview.Stop:
        await vscode.commands.executeCommand(Commands.stop, m.runId);
        break;
      case FromWebview.Reveal:
        await vscode.commands.executeCommand(Commands.reveal, m.runId);
        break;
      case FromWebview.OpenRun:
        await vscode.commands.executeCommand(Commands.open, m.runId);
        break;
      case FromWebview.StartTraining:
        await vscode.commands.executeCommand(Commands.start);
        break;
      case FromWebview.CheckBackends:
        await vscode.commands.executeCommand(Commands.checkBackends);
        break;
      case FromWebview.SetBaseline:
      case FromWebview.Export:
      case FromWebview.SaveChart:
        this.output.warn(`dashboard: '${m.type}' is not for the dashboard; ignored`);
        break;
    }
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
