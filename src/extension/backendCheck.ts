// "Tucker Train: Check training backends": runs `tucker-train doctor --json` in a child process
// (probing loads native GPU libraries, which must never crash the extension host) and shows the
// report as a Markdown preview of a read-only virtual document.
import * as vscode from 'vscode';
import type { DoctorReport } from '../protocol';
import { Commands } from './constants';
import { doctorMarkdown } from './doctorMarkdown';
import { runDoctorProcess } from './doctorProcess';

const SCHEME = 'tucker-train-doctor';
const REPORT_URI = vscode.Uri.from({ scheme: SCHEME, path: '/Training backends.md' });

class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private text = '';

  set(uri: vscode.Uri, text: string): void {
    this.text = text;
    this.changed.fire(uri);
  }

  provideTextDocumentContent(): string {
    return this.text;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerBackendCheck(deps: { cliPath: string; output: vscode.LogOutputChannel }): vscode.Disposable[] {
  const docs = new ReportDocuments();
  const check = async (): Promise<DoctorReport | undefined> => {
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Tucker Train: checking training backends…' },
        () => runDoctorProcess(deps.cliPath),
      );
      deps.output.info(`backends: auto trains on ${report.auto.used} (${report.auto.device})`);
      for (const b of report.backends) deps.output.info(`backends: ${b.name}: ${b.available ? b.device : b.reason}`);
      docs.set(REPORT_URI, doctorMarkdown(report));
      try {
        await vscode.commands.executeCommand('markdown.showPreview', REPORT_URI);
      } catch {
        // Markdown preview disabled: the source is readable too.
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(REPORT_URI), { preview: true });
      }
      return report;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      deps.output.error(`check backends: ${msg}`);
      void vscode.window.showErrorMessage(`Tucker Train: ${msg}`, 'Show Log').then((a) => {
        if (a) deps.output.show(true);
      });
      return undefined;
    }
  };
  return [
    docs,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs),
    vscode.commands.registerCommand(Commands.checkBackends, check),
  ];
}
