// "Preview decomposition": an editor panel with the whole-model rank table of a model file (the
// columns of `tucker-train ranks`, plus totals), updated when the analysis changes, with a button
// to start decomposed training from the model. The page is our own bundle (webview/preview/,
// dist/preview.js) under a strict CSP; the host posts the content as typed messages
// (src/protocol.ts) and the webview asks for it again whenever it (re)loads.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { FromPreview, ToPreview, parsePreviewMessage, type HostToPreviewMessage, type PreviewContentView } from '../../protocol';
import { PREVIEW_PANEL } from '../constants';
import { Disposable } from '../dispose';
import type { ModelLensProvider } from './lensProvider';
import type { LensAction } from './lensText';
import { renderPreviewHtml } from './previewHtml';
import { startTrainingFromModel, type StartDeps } from './startFromModel';

export class PreviewPanel extends Disposable {
  private static current: PreviewPanel | null = null;
  private readonly panel: vscode.WebviewPanel;
  private uri!: vscode.Uri;
  private action: LensAction | undefined;
  private renderTimer: NodeJS.Timeout | null = null;
  /** What the panel shows (replayed when the webview reloads); null until the first render. */
  private content: PreviewContentView | null = null;

  static async show(
    uri: vscode.Uri,
    action: LensAction | undefined,
    provider: ModelLensProvider,
    deps: StartDeps,
    output: vscode.LogOutputChannel,
    extensionUri: vscode.Uri,
  ): Promise<PreviewPanel> {
    const same =
      PreviewPanel.current &&
      PreviewPanel.current.uri.toString() === uri.toString() &&
      (PreviewPanel.current.action?.kind === 'preview' ? (PreviewPanel.current.action.model ?? 0) : 0) ===
        (action?.kind === 'preview' ? (action.model ?? 0) : 0);
    const p = PreviewPanel.current ?? new PreviewPanel(provider, deps, output, extensionUri);
    PreviewPanel.current = p;
    const layer = action?.kind === 'preview' ? action.layer : undefined;
    p.uri = uri;
    p.action = action;
    if (same && layer && p.content) {
      p.content = { ...p.content, highlight: layer };
      p.post({ type: ToPreview.Highlight, layer });
    } else {
      await p.render();
    }
    p.panel.reveal(vscode.ViewColumn.Beside, false);
    return p;
  }

  private constructor(
    private readonly provider: ModelLensProvider,
    private readonly deps: StartDeps,
    private readonly output: vscode.LogOutputChannel,
    extensionUri: vscode.Uri,
  ) {
    super();
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel(
      PREVIEW_PANEL,
      'Preview decomposition',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: false },
    );
    const webview = this.panel.webview;
    webview.html = renderPreviewHtml({
      nonce: randomBytes(16).toString('base64'),
      cspSource: webview.cspSource,
      scriptUri: String(webview.asWebviewUri(vscode.Uri.joinPath(dist, 'preview.js'))),
      styleUri: String(webview.asWebviewUri(vscode.Uri.joinPath(dist, 'preview.css'))),
    });
    this._register(this.panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    this._register(
      provider.onDidChangeModel((p) => {
        if (p === this.uri?.fsPath) this.scheduleRender();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === this.uri?.toString()) this.scheduleRender();
      }),
    );
    this._register(
      this.panel.onDidDispose(() => {
        if (PreviewPanel.current === this) PreviewPanel.current = null;
        this.dispose();
      }),
    );
  }

  override dispose(): void {
    if (this.renderTimer) clearTimeout(this.renderTimer);
    super.dispose();
  }

  private scheduleRender(): void {
    if (this.renderTimer || this.isDisposed) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      void this.render();
    }, 300);
  }

  private post(m: HostToPreviewMessage): void {
    if (!this.isDisposed) void this.panel.webview.postMessage(m);
  }

  private async render(): Promise<void> {
    try {
      const doc = await vscode.workspace.openTextDocument(this.uri);
      const content = await this.provider.previewContent(doc, this.action);
      if (this.isDisposed) return;
      this.content = content;
      this.panel.title = content.title.replace(/^Preview decomposition: /, 'Tucker: ');
      // A webview still loading gets it too: it sends Ready once it listens, and is answered below.
      this.post({ type: ToPreview.Content, content });
      // Still computing: the analyzer's change event renders again when it is done.
    } catch (e) {
      this.output.error(`preview: ${e instanceof Error && e.stack ? e.stack : String(e)}`);
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parsePreviewMessage(raw);
    if (!m) {
      this.output.warn(`preview: ignored a malformed message from the panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    try {
      switch (m.type) {
        case FromPreview.Ready:
          if (this.content) this.post({ type: ToPreview.Content, content: this.content });
          else await this.render();
          break;
        case FromPreview.StartTraining:
          await startTrainingFromModel(this.uri.fsPath, this.deps);
          break;
        case FromPreview.Refresh: {
          const doc = await vscode.workspace.openTextDocument(this.uri);
          this.provider.refresh(doc);
          await this.render();
          break;
        }
        case FromPreview.RevealLayer: {
          const doc = await vscode.workspace.openTextDocument(this.uri);
          const model = this.action?.kind === 'preview' ? (this.action.model ?? 0) : 0;
          const offset = await this.provider.layerOffset(doc, m.layer, model);
          const at = doc.positionAt(offset ?? 0);
          await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(at, at) });
          break;
        }
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.output.error(`preview: ${msg}`);
      void vscode.window.showErrorMessage(`Tucker Train: ${msg}`);
    }
  }
}
