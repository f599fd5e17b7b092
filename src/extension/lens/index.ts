// Registration of the rank hints: the analyzer (worker + cache + watcher), the code lens and
// hover provider, and the "Preview decomposition" command.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { toDisposable } from '../dispose';
import { ModelAnalyzer } from './analyzer';
import { LENS_SELECTOR, ModelLensProvider } from './lensProvider';
import { readLensSettings } from './lensSettings';
import type { LensAction } from './lensText';
import { PreviewPanel } from './previewPanel';
import type { StartDeps } from './startFromModel';

export interface LensDeps extends StartDeps {
  extensionUri: vscode.Uri;
  output: vscode.LogOutputChannel;
}

export function registerModelLenses(d: LensDeps): vscode.Disposable[] {
  const analyzer = new ModelAnalyzer({
    workerScript: vscode.Uri.joinPath(d.extensionUri, 'dist', 'lensWorker.js').fsPath,
    log: (m) => d.output.warn(m),
  });
  const provider = new ModelLensProvider(analyzer, readLensSettings, d.output);
  const preview = vscode.commands.registerCommand(Commands.previewDecomposition, async (uriArg?: unknown, action?: LensAction) => {
    try {
      const uri = uriArg instanceof vscode.Uri ? uriArg : vscode.window.activeTextEditor?.document.uri;
      if (!uri) {
        void vscode.window.showInformationMessage(
          'Tucker Train: open a model.json (or a TS/JS file with a tf.sequential model) to preview its decomposition.',
        );
        return;
      }
      await PreviewPanel.show(uri, action, provider, d, d.output, d.extensionUri);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      d.output.error(`${Commands.previewDecomposition}: ${e instanceof Error && e.stack ? e.stack : msg}`);
      void vscode.window.showErrorMessage(`Tucker Train: ${msg}`);
    }
  });
  return [
    provider,
    vscode.languages.registerCodeLensProvider(LENS_SELECTOR, provider),
    vscode.languages.registerHoverProvider(LENS_SELECTOR, provider),
    preview,
    toDisposable(() => void analyzer.dispose()),
  ];
}
