// Wiring only: the run service, the Runs tree, the Dashboard view, commands, status bar.
import * as vscode from 'vscode';
import { registerBackendCheck } from './backendCheck';
import { watchSlurmRuns } from './slurmRuns';
import { registerCommands } from './commands';
import { registerRunManagement } from './runCommands';
import { ConfigKeys, VIEW_RUNS } from './constants';
import { DashboardViewProvider } from './dashboardView';
import { registerModelLenses } from './lens';
import { RunService } from './runService';
import { RunsTreeProvider } from './runsTree';
import { readSettings } from './settings';
import { StatusBar } from './statusBar';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Tucker Train', { log: true });
  context.subscriptions.push(output);
  const fallbackDir = context.globalStorageUri.fsPath;
  const settings = () => readSettings(fallbackDir);
  const cliPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  const runs = new RunService(
    settings().runsDirectory,
    cliPath,
    vscode.Uri.joinPath(context.globalStorageUri, 'logs').fsPath,
    context.workspaceState,
    output,
  );
  const tree = new RunsTreeProvider(runs);
  const treeView = vscode.window.createTreeView(VIEW_RUNS, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: false });
  const dashboard = new DashboardViewProvider(context.extensionUri, runs, output, context.workspaceState);
  context.subscriptions.push(
    runs,
    tree,
    treeView,
    dashboard,
    vscode.window.registerWebviewViewProvider(DashboardViewProvider.viewType, dashboard),
    new StatusBar(runs),
    ...registerCommands({ extensionUri: context.extensionUri, runs, tree, treeView, dashboard, output, cliPath, settings }),
    ...registerRunManagement({ extensionUri: context.extensionUri, runs, tree, treeView, dashboard, output, cliPath, settings }),
    ...registerModelLenses({ extensionUri: context.extensionUri, runs, dashboard, output, settings }),
    ...registerBackendCheck({ cliPath, output }),
    watchSlurmRuns(runs, output), // closes runs whose Slurm job ended without its trainer (src/executor/slurm/reconcile.ts)
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${ConfigKeys.section}.${ConfigKeys.runsDirectory}`)) runs.setRunsDirectory(settings().runsDirectory);
    }),
  );
  treeView.message = undefined;
  output.info(`runs directory: ${runs.runsDir}`);
  await runs.initialize();
  dashboard.preferLiveRun();
}

export function deactivate(): void {}
