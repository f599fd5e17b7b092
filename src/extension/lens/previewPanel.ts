// "Preview decomposition": an editor panel with the whole-model rank table of a model file (the
// columns of `tucker-train ranks`, plus totals), updated when the analysis changes, with a button
// to start decomposed training from the model.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { FromPreview, ToPreview, parsePreviewMessage, type HostToPreviewMessage } from '../../protocol';
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

  static async show(uri: vscode.Uri, action: LensAction | undefined, provider: ModelLensProvider, deps: StartDeps, output: vscode.LogOutputChannel): Promise<PreviewPanel> {
    const same = PreviewPanel.current && PreviewPanel.current.uri.toString() === uri.toString()
      && (PreviewPanel.current.action?.kind === 'preview' ? PreviewPanel.current.action.model ?? 0 : 0) === (action?.kind === 'preview' ? action.model ?? 0 : 0);
    const p = PreviewPanel.current ?? new PreviewPanel(provider, deps, output);
    PreviewPanel.current = p;
    const layer = action?.kind === 'preview' ? action.layer : undefined;
    p.uri = uri;
    p.action = action;
    if (same && layer) {
      const m: HostToPreviewMessage = { type: ToPreview.Highlight, layer };
      void p.panel.webview.postMessage(m);
    } else {
      await p.render();
    }
    p.panel.reveal(vscode.ViewColumn.Beside, false);
    return p;
  }

  private constructor(private readonly provider: ModelLensProvider, private readonly deps: StartDeps, private readonly output: vscode.LogOutputChannel) {
    super();
    this.panel = vscode.window.createWebviewPanel(PREVIEW_PANEL, 'Preview decomposition', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: false });
    this._register(this.panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    this._register(provider.onDidChangeModel((p) => { if (p === this.uri?.fsPath) this.scheduleRender(); }));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.uri.toString() === this.uri?.toString()) this.scheduleRender(); }));
    this._register(this.panel.onDidDispose(() => {
      if (PreviewPanel.current === this) PreviewPanel.current = null;
      this.dispose();
    }));
  }

  override dispose(): void {
    if (this.renderTimer) clearTimeout(this.renderTimer);
    super.dispose();
  }

  private scheduleRender(): void {
    if (this.renderTimer || this.isDisposed) return;
    this.renderTimer = setTimeout(() => { this.renderTimer = null; void this.render(); }, 300);
  }

  private async render(): Promise<void> {
    try {
      const doc = await vscode.workspace.openTextDocument(this.uri);
      const content = await this.provider.previewContent(doc, this.action);
      if (this.isDisposed) return;
      this.panel.title = content.title.replace(/^Preview decomposition: /, 'Tucker: ');
      this.panel.webview.html = renderPreviewHtml(content, randomBytes(16).toString('base64'), this.panel.webview.cspSource);
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
          const model = this.action?.kind === 'preview' ? this.action.model ?? 0 : 0;
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
