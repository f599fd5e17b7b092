// "Run decomposition study": pick a preset (the CLI's), or a `*.study.json` file; the trainer
// forks `tucker-train study … --ipc`, which runs every scenario in one process. The notification
// and the Runs tree follow it, the dashboard shows the scenario training now, and the comparison
// view opens on the study's runs when it completes.
import * as vscode from 'vscode';
import { checkDatasetSpec } from '../trainer/data';
import type { DashboardViewProvider } from './dashboardView';
import type { LiveRun, RunService } from './runService';
import type { Settings } from './settings';
import { firstScenarioEpochs, STUDY_CHOICES, studyArgs, type StudyRequest } from './studyRequest';
import { epochFraction } from './trainRequest';

type Pick<T> = vscode.QuickPickItem & { value: T };

async function pickFolder(title: string): Promise<string | undefined> {
  const r = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title,
    openLabel: 'Use this folder',
  });
  return r?.[0]?.fsPath;
}

/** The data set for presets that train on Fashion-MNIST or need one chosen; undefined when cancelled. */
async function askDataset(preset: StudyRequest['preset']): Promise<string | null | undefined> {
  if (preset === 'smoke') return null;
  const items: Pick<string>[] = [
    { label: 'Fashion-MNIST', description: "Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)", value: 'fashion-mnist' },
    { label: '$(folder) Fashion-MNIST folder…', description: 'the four IDX files somewhere else', value: 'fashion-mnist:' },
    { label: '$(folder) MNIST-format folder…', description: 'any IDX files: MNIST, KMNIST, EMNIST', value: 'idx:' },
    { label: '$(folder) CIFAR-10 folder…', description: 'data_batch_1..5.bin and test_batch.bin', value: 'cifar10:' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Run decomposition study: data set' });
  if (!pick) return undefined;
  if (pick.value === 'fashion-mnist') return null; // the presets' own data set
  const folder = await pickFolder(pick.label.replace('$(folder) ', ''));
  return folder ? `${pick.value}${folder}` : undefined;
}

/** Builds a StudyRequest from the user's picks; undefined when they cancelled. */
export async function askStudyRequest(settings: Settings): Promise<StudyRequest | undefined> {
  const base = { backend: settings.backend, runsDir: settings.runsDirectory };
  const items: Pick<StudyRequest['preset'] | 'file'>[] = [
    ...STUDY_CHOICES.map((c) => ({ label: c.label, detail: c.detail, value: c.preset })),
    { label: '$(json) From study file…', detail: 'a *.study.json file (validated against the study schema)', value: 'file' },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Run decomposition study',
    placeHolder: 'Choose a study',
    matchOnDetail: true,
  });
  if (!choice) return undefined;
  if (choice.value === 'file') {
    const files = await vscode.workspace.findFiles('**/*.study.json', '**/node_modules/**', 200);
    const pick = files.length
      ? await vscode.window.showQuickPick(
          files.map((f) => ({ label: vscode.workspace.asRelativePath(f), value: f.fsPath })),
          { title: 'Study file' },
        )
      : undefined;
    let file = pick?.value;
    if (!file && !files.length) {
      const r = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'Tucker study': ['json'] },
        title: 'Study file (*.study.json)',
      });
      file = r?.[0]?.fsPath;
    }
    return file ? { ...base, preset: null, studyFile: file, dataset: null } : undefined;
  }
  const dataset = await askDataset(choice.value);
  if (dataset === undefined) return undefined;
  return { ...base, preset: choice.value, dataset };
}

/** The data set the study will read, checked here so a missing package is one clear message, not a failed trainer. */
export function checkStudyData(r: StudyRequest): string | null {
  const spec = r.dataset ?? (r.preset === 'quick' || r.preset === 'paper-table' ? 'fashion-mnist' : null);
  if (!spec) return null;
  try {
    checkDatasetSpec(spec);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A notification that follows the study until its process ends; Cancel stops the current run and the study. */
function showStudyProgress(runs: RunService, run: LiveRun): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tucker Train: study`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        progress.report({ message: 'starting the trainer…' });
        const sub = runs.onDidChangeLive((r) => {
          if (r !== run) return;
          if (r.ended) {
            sub.dispose();
            resolve();
            return;
          }
          const st = r.study?.record;
          const i = st ? st.scenarios.findIndex((s) => s.runId !== null && s.runId === r.runId) : -1;
          const scenario = st && i >= 0 ? `scenario ${i + 1}/${st.scenarios.length}: ${st.scenarios[i].label}` : 'preparing';
          const p = r.progress;
          const epoch = p ? ` · epoch ${p.epoch}/${r.totalEpochs} (${Math.round(epochFraction(p.step, p.stepsPerEpoch) * 100)} %)` : '';
          progress.report({ message: `${r.stopping ? 'stopping… ' : ''}${st?.name ?? ''} ${scenario}${epoch}` });
        });
        token.onCancellationRequested(() => {
          if (run.runId) void runs.stop(run.runId);
          else run.process?.stop();
        });
      }),
  );
}

export interface StudyLaunchDeps {
  runs: RunService;
  dashboard: DashboardViewProvider;
  /** Opens the comparison view on these runs (the study's, in scenario order). */
  compare(runIds: string[]): Promise<unknown>;
  output: vscode.LogOutputChannel;
}

/** Forks the study and follows it; returns the live process record. */
export async function launchStudy(d: StudyLaunchDeps, request: StudyRequest, runsDirectory: string): Promise<LiveRun> {
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(request.runsDir));
  d.runs.setRunsDirectory(runsDirectory);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? request.runsDir;
  const name = request.preset ? `study ${request.preset}` : 'study';
  const run = d.runs.startStudy(studyArgs(request), name, firstScenarioEpochs(request), cwd);
  showStudyProgress(d.runs, run);
  let shown: string | null = null;
  let compared = false;
  const sub = d.runs.onDidChangeLive((r) => {
    if (r !== run) return;
    if (r.runId && r.runId !== shown && !r.ended) {
      shown = r.runId; // follow the scenario training now
      d.dashboard.show(r.runId);
    }
    const st = r.study?.record;
    if (st && st.status === 'completed' && !compared) {
      compared = true;
      const ids = st.scenarios.map((s) => s.runId).filter((x): x is string => !!x);
      d.output.info(`study ${st.name} completed: report in ${r.study!.dir}`);
      void d.compare(ids);
    }
    if (r.ended) sub.dispose();
  });
  return run;
}
