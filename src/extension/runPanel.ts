// The run view: one run in an editor tab, with full-size charts (webview/runView/). One tab per run;
// opening a run that has one reveals it. The run folder is followed live (RunFeed), and "Save as
// PNG/SVG" comes here: the host asks where with the save dialog and writes the file.
import * as vscode from 'vscode';
import { saveChartImage } from './saveChart';
import { FromWebview, ToWebview, parseWebviewMessage, type SaveChartRequest } from '../protocol';
import { Commands, RUN_PANEL } from './constants';
import { Disposable } from './dispose';
import { safeJson } from './dashboardView';
import { RunFeed } from './runFeed';
import type { RunService } from './runService';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export class RunPanel extends Disposable {
  private static readonly open = new Map<string, RunPanel>();
  private readonly panel: vscode.WebviewPanel;
  private readonly feed: RunFeed;

  /** Opens (or reveals) the run view of `runId`. */
  static show(extensionUri: vscode.Uri, runs: RunService, output: vscode.LogOutputChannel, runId: string): RunPanel {
    const existing = RunPanel.open.get(runId);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const p = new RunPanel(extensionUri, runs, output, runId);
    RunPanel.open.set(runId, p);
    return p;
  }

  private constructor(
    extensionUri: vscode.Uri,
    private readonly runs: RunService,
    private readonly output: vscode.LogOutputChannel,
    readonly runId: string,
  ) {
    super();
    this.panel = vscode.window.createWebviewPanel(RUN_PANEL, `Run: ${runId}`, vscode.ViewColumn.Active, {
      ...webviewOptions(extensionUri),
      retainContextWhenHidden: false, // the webview asks for a replay when shown again
    });
    this.feed = this._register(
      new RunFeed(
        runs,
        output,
        (m) => void this.panel.webview.postMessage(m),
        () => this.panel.visible,
        'run view',
      ),
    );
    this.feed.select(runId);
    this.panel.webview.html = renderWebviewHtml(this.panel.webview, extensionUri, 'run');
    this._register(this.panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    this._register(
      this.panel.onDidChangeViewState(() => {
        if (this.panel.visible) this.feed.schedule();
      }),
    );
    this._register(
      this.panel.onDidDispose(() => {
        if (RunPanel.open.get(runId) === this) RunPanel.open.delete(runId);
        this.dispose();
      }),
    );
    void runs.readInfo(runId).then((info) => {
      if (info) this.panel.title = `Run: ${info.name}`;
    });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.output.warn(`run view: ignored a malformed message from the webview: ${safeJson(raw)}`);
      return;
    }
    switch (m.type) {
      case FromWebview.Ready:
        await this.feed.sendSnapshot();
        break;
      case FromWebview.Stop:
        await vscode.commands.executeCommand(Commands.stop, m.runId);
        break;
      case FromWebview.Reveal:
        await vscode.commands.executeCommand(Commands.reveal, m.runId);
        break;
      case FromWebview.SaveChart:
        await this.saveChart(m);
        break;
      default:
        this.output.warn(`run view: '${m.type}' is not for the run view; ignored`);
    }
  }

  private async saveChart(r: SaveChartRequest): Promise<void> {
    const saved = await saveChartImage(r, vscode.Uri.file(this.runs.runDir(this.runId)));
    void this.panel.webview.postMessage({ type: ToWebview.Saved, ...saved });
  }
}
