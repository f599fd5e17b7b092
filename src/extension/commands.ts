// Command handlers. Errors are caught here, at the command boundary: logged, shown once.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareRuns } from '../runs/compare';
import type { StudyEntry } from '../study/reader';
import { Commands } from './constants';
import { RunPanel } from './runPanel';
import { ComparePanel, exportComparison, loadComparedRuns } from './comparePanel';
import type { DashboardViewProvider } from './dashboardView';
import type { RunService } from './runService';
import { RunItem, StudyItem, type RunsTreeProvider } from './runsTree';
import type { Settings } from './settings';
import { askStudyRequest, checkStudyData, launchStudy } from './startStudy';
import { askTrainRequest, launchRun, UNTRUSTED_MESSAGE } from './startTraining';
import { askExecutor, submitToSlurm } from './slurmRuns';

export interface CommandDeps {
  extensionUri: vscode.Uri;
  runs: RunService;
  tree: RunsTreeProvider;
  treeView: vscode.TreeView<unknown>;
  dashboard: DashboardViewProvider;
  output: vscode.LogOutputChannel;
  cliPath: string;
  settings(): Settings;
}

type Handler = (...args: unknown[]) => unknown;

export function guarded(output: vscode.LogOutputChannel, name: string, fn: Handler): Handler {
  return async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      output.error(`${name}: ${e instanceof Error && e.stack ? e.stack : msg}`);
      void vscode.window.showErrorMessage(`Tucker Train: ${msg}`, 'Show Log').then((a) => {
        if (a) output.show(true);
      });
      return undefined;
    }
  };
}

/** A run id from a command argument: a tree item, a run id string, or nothing. */
export function runIdOf(arg: unknown): string | undefined {
  if (arg instanceof RunItem) return arg.runId;
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { runId?: unknown }).runId === 'string')
    return (arg as { runId: string }).runId;
  return undefined;
}

export async function pickRun(d: CommandDeps, title: string, filter?: (status: string) => boolean): Promise<string | undefined> {
  const entries = (await d.runs.listRuns()).slice(0, 500);
  const items: (vscode.QuickPickItem & { id: string })[] = [];
  for (const e of entries) {
    const info = await d.runs.readInfo(e.id);
    const status = d.runs.stateOf(e.id, info).status;
    if (filter && !filter(status)) continue;
    items.push({ label: info?.name ?? e.id, description: status, detail: e.id, id: e.id });
  }
  if (!items.length) {
    void vscode.window.showInformationMessage(
      filter ? 'Tucker Train: no run to choose from.' : `Tucker Train: no runs in ${d.runs.runsDir} yet.`,
    );
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title }))?.id;
}

async function pickRuns(d: CommandDeps, title: string): Promise<string[] | undefined> {
  const entries = (await d.runs.listRuns()).slice(0, 500);
  const items: (vscode.QuickPickItem & { id: string })[] = [];
  for (const e of entries) {
    const info = await d.runs.readInfo(e.id);
    items.push({ label: info?.name ?? e.id, description: d.runs.stateOf(e.id, info).status, detail: e.id, id: e.id });
  }
  const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true, placeHolder: 'Choose two or more runs' });
  return picked?.map((p) => p.id);
}

/** Run ids of a command argument: a run, or every run of a study group. */
function runIdsOf(arg: unknown): string[] {
  if (arg instanceof StudyItem) return arg.runIds;
  const one = runIdOf(arg);
  return one ? [one] : [];
}

/** Selected runs for Compare: the multi-selection in the tree (studies give their runs), else the clicked item. */
function selectedRunIds(arg: unknown, all: unknown): string[] {
  if (Array.isArray(all) && all.length) return [...new Set(all.flatMap(runIdsOf))];
  return runIdsOf(arg);
}

async function pickStudy(d: CommandDeps, title: string): Promise<StudyEntry | undefined> {
  const studies = (await d.runs.listStudies()).filter((s) => s.record.report);
  if (!studies.length) {
    void vscode.window.showInformationMessage(`Tucker Train: no finished study in ${d.runs.runsDir} yet.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    studies.map((s) => ({ label: s.record.name, description: s.record.status, detail: s.dir, value: s })),
    { title },
  );
  return pick?.value;
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const reg = (id: string, fn: Handler) => vscode.commands.registerCommand(id, guarded(d.output, id, fn));
  return [
    reg(Commands.start, async () => {
      if (!vscode.workspace.isTrusted) {
        const a = await vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
        if (a) await vscode.commands.executeCommand('workbench.trust.manage');
        return undefined;
      }
      const settings = d.settings();
      const request = await askTrainRequest(settings);
      if (!request) return undefined;
      const executor = await askExecutor(); // 'slurm': sbatch through the CLI; the folder appears queued
      if (executor === undefined) return undefined;
      if (executor === 'slurm') {
        const said = await submitToSlurm(d.cliPath, request, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? request.runsDir);
        d.runs.setRunsDirectory(request.runsDir || settings.runsDirectory);
        void vscode.window.showInformationMessage(`Tucker Train: ${said}`);
        return undefined;
      }
      const run = await launchRun(d, request, settings.runsDirectory);
      return run.pid;
    }),
    reg(Commands.stop, async (arg) => {
      const live = d.runs.liveRuns().filter((r) => r.runId && !r.ended);
      const shown = d.dashboard.shownRunId;
      const runId =
        runIdOf(arg) ??
        (shown && d.runs.stateOf(shown, await d.runs.readInfo(shown)).canStop ? shown : undefined) ??
        (live.length === 1 ? live[0].runId! : undefined) ??
        (await pickRun(d, 'Stop run', (s) => s === 'running'));
      if (!runId) return false;
      const ok = await d.runs.stop(runId);
      if (!ok)
        void vscode.window.showWarningMessage(`Tucker Train: run ${runId} is not running on this machine, so there is nothing to stop.`);
      return ok;
    }),
    reg(Commands.open, async (arg) => {
      const runId = runIdOf(arg) ?? (await pickRun(d, 'Open run in editor'));
      if (!runId) return;
      d.dashboard.show(runId, false); // the sidebar follows the run too
      RunPanel.show(d.extensionUri, d.runs, d.output, runId);
    }),
    reg(Commands.show, async (arg) => {
      const runId = runIdOf(arg) ?? (await pickRun(d, 'Show run in dashboard'));
      if (!runId) return;
      d.dashboard.show(runId);
    }),
    reg(Commands.compare, async (arg, all) => {
      let ids = selectedRunIds(arg, all);
      if (ids.length < 2) ids = (await pickRuns(d, 'Compare runs')) ?? [];
      if (ids.length < 2) {
        if (ids.length === 1) void vscode.window.showInformationMessage('Tucker Train: choose at least two runs to compare.');
        return;
      }
      await ComparePanel.show(d.extensionUri, d.runs, d.output, ids);
    }),
    reg(Commands.exportComparison, async (arg, all) => {
      let ids = selectedRunIds(arg, all);
      if (ids.length < 2) ids = ComparePanel.active?.runIds ?? [];
      if (ids.length < 2) ids = (await pickRuns(d, 'Export comparison')) ?? [];
      if (ids.length < 1) return undefined;
      const c =
        ComparePanel.active && ComparePanel.active.runIds.join() === ids.join()
          ? ComparePanel.active.comparison
          : compareRuns(await loadComparedRuns(d.runs, ids));
      return exportComparison(c);
    }),
    reg(Commands.reveal, async (arg) => {
      const runId = arg instanceof StudyItem ? null : (runIdOf(arg) ?? d.dashboard.shownRunId ?? (await pickRun(d, 'Reveal run folder')));
      if (runId === undefined) return;
      const uri = vscode.Uri.file(arg instanceof StudyItem ? arg.study.dir : d.runs.runDir(runId!));
      // Desktop: the OS file manager. Remote/web (code-server): the Explorer.
      if (vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined)
        await vscode.commands.executeCommand('revealFileInOS', uri);
      else await vscode.commands.executeCommand('revealInExplorer', uri);
    }),
    reg(Commands.runStudy, async () => {
      if (!vscode.workspace.isTrusted) {
        const a = await vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
        if (a) await vscode.commands.executeCommand('workbench.trust.manage');
        return undefined;
      }
      const settings = d.settings();
      const request = await askStudyRequest(settings);
      if (!request) return undefined;
      const problem = checkStudyData(request);
      if (problem) {
        void vscode.window.showErrorMessage(`Tucker Train: ${problem}`);
        return undefined;
      }
      const compare = (ids: string[]) => ComparePanel.show(d.extensionUri, d.runs, d.output, ids);
      const run = await launchStudy({ runs: d.runs, dashboard: d.dashboard, compare, output: d.output }, request, settings.runsDirectory);
      return run.pid;
    }),
    reg(Commands.openStudyReport, async (arg) => {
      const study = arg instanceof StudyItem ? arg.study : await pickStudy(d, 'Open study report');
      if (!study?.record.report) {
        if (study)
          void vscode.window.showInformationMessage(`Tucker Train: study ${study.record.name} has no report yet (${study.record.status}).`);
        return;
      }
      const uri = vscode.Uri.file(path.join(study.dir, study.record.report.markdown));
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    }),
    reg(Commands.refresh, () => d.tree.refresh()),
    reg(Commands.showMore, () => d.tree.showMore()),
    reg(Commands.showLog, () => d.output.show()),
  ];
}
