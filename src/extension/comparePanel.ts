// "Compare runs": the experiments table (webview/compare.ts) — one row per run with its setup,
// results, speedup and Δ accuracy against a chosen baseline, warnings where runs do not compare —
// and the selected runs' accuracy and loss overlaid against epoch and wall-clock time (the paper's
// Figures 3–6); exports: the paper table as Markdown or CSV, the overlays as one PNG.
import * as vscode from 'vscode';
import { FromWebview, ToWebview, comparisonCurves, parseWebviewMessage, type HostToWebviewMessage } from '../protocol';
import { compareRuns, comparisonToCsv, comparisonToMarkdown, defaultBaseline, type ComparedRun, type Comparison } from '../runs/compare';
import { readRun } from '../runs/reader';
import { COMPARE_PANEL, Commands } from './constants';
import { Disposable } from './dispose';
import { safeJson } from './dashboardView';
import type { RunService } from './runService';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';
import { saveChartImage } from './saveChart';

export async function loadComparedRuns(runs: RunService, ids: readonly string[]): Promise<ComparedRun[]> {
  const out: ComparedRun[] = [];
  for (const id of ids) {
    const r = await readRun(runs.runDir(id));
    if (r.info) out.push({ info: r.info, shownStatus: runs.stateOf(id, r.info).status, metrics: r.metrics, events: r.events });
  }
  return out;
}

export class ComparePanel extends Disposable {
  private static current: ComparePanel | null = null;
  private readonly panel: vscode.WebviewPanel;
  private compared: ComparedRun[] = [];
  private baselineId: string | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;

  static async show(
    extensionUri: vscode.Uri,
    runs: RunService,
    output: vscode.LogOutputChannel,
    ids: readonly string[],
  ): Promise<ComparePanel> {
    const p = ComparePanel.current ?? new ComparePanel(extensionUri, runs, output);
    ComparePanel.current = p;
    await p.load(ids);
    p.panel.reveal();
    return p;
  }

  static get active(): ComparePanel | null {
    return ComparePanel.current;
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunService,
    private readonly output: vscode.LogOutputChannel,
  ) {
    super();
    this.panel = vscode.window.createWebviewPanel(COMPARE_PANEL, 'Compare runs', vscode.ViewColumn.Active, {
      ...webviewOptions(extensionUri),
      retainContextWhenHidden: false,
    });
    this.panel.webview.html = renderWebviewHtml(this.panel.webview, this.extensionUri, 'compare');
    this._register(this.panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    // Renamed, tagged, finished or deleted runs: the table follows (coalesced).
    this._register(
      runs.onDidChangeRuns(() => {
        if (this.reloadTimer) return;
        this.reloadTimer = setTimeout(() => {
          this.reloadTimer = null;
          if (this.compared.length) void this.load(this.runIds);
        }, 500);
      }),
    );
    this._register({ dispose: () => this.reloadTimer && clearTimeout(this.reloadTimer) });
    this._register(
      this.panel.onDidDispose(() => {
        if (ComparePanel.current === this) ComparePanel.current = null;
        this.dispose();
      }),
    );
  }

  get runIds(): string[] {
    return this.compared.map((r) => r.info.id);
  }

  get comparison(): Comparison {
    return compareRuns(this.compared, this.baselineId);
  }

  private async load(ids: readonly string[]): Promise<void> {
    this.compared = await loadComparedRuns(this.runs, ids);
    if (!this.baselineId || !ids.includes(this.baselineId)) this.baselineId = defaultBaseline(this.compared);
    this.panel.title = `Experiments: ${this.compared.length} runs`;
    this.send();
  }

  private send(): void {
    const m: HostToWebviewMessage = { type: ToWebview.Comparison, comparison: this.comparison, curves: comparisonCurves(this.compared) };
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.output.warn(`compare: ignored a malformed message from the webview: ${safeJson(raw)}`);
      return;
    }
    switch (m.type) {
      case FromWebview.Ready:
        this.send();
        break;
      case FromWebview.SetBaseline:
        if (this.compared.some((r) => r.info.id === m.runId)) {
          this.baselineId = m.runId;
          this.send();
        }
        break;
      case FromWebview.Export:
        await exportComparison(this.comparison, m.format);
        break;
      case FromWebview.Reveal:
        await vscode.commands.executeCommand(Commands.reveal, m.runId);
        break;
      case FromWebview.SaveChart: {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const saved = await saveChartImage(m, folder);
        void this.panel.webview.postMessage({ type: ToWebview.Saved, ...saved } satisfies HostToWebviewMessage);
        break;
      }
      case FromWebview.Stop:
      case FromWebview.StartTraining:
        this.output.warn(`compare: '${m.type}' is not handled by the comparison panel; ignored`);
        break;
    }
  }
}

/** Asks where to save, then writes the table as Markdown or CSV. Returns the file written, if any. */
export async function exportComparison(c: Comparison, format?: 'markdown' | 'csv'): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const ext = format === 'csv' ? 'csv' : 'md';
  const target = await vscode.window.showSaveDialog({
    title: 'Export comparison',
    defaultUri: folder ? vscode.Uri.joinPath(folder, `tucker-comparison.${ext}`) : undefined,
    filters: format === 'csv' ? { CSV: ['csv'] } : format === 'markdown' ? { Markdown: ['md'] } : { Markdown: ['md'], CSV: ['csv'] },
  });
  if (!target) return undefined;
  const text = target.path.toLowerCase().endsWith('.csv') ? comparisonToCsv(c) : comparisonToMarkdown(c);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  void vscode.window.showInformationMessage(`Tucker Train: comparison saved to ${vscode.workspace.asRelativePath(target)}`);
  return target;
}
