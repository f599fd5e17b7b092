// "Start decomposed training": quick picks for a preset or model, dataset and schedule (or a
// config file), then the trainer is forked and followed with a progress notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { epochFraction, PRESETS, sanitizeRunName, type TrainRequest } from './trainRequest';
import { askCustomRequest, pickCifarFolder } from './startFlow';
import { configRunName, runNameProblem, type StartFlowInitial } from './startFlowRules';
import type { LiveRun, RunService } from './runService';
import type { Settings } from './settings';
import type { DashboardViewProvider } from './dashboardView';

export const UNTRUSTED_MESSAGE =
  'Tucker Train: training is disabled in this untrusted workspace, because a run executes model and config files from the workspace in a separate Node.js process. Trust the workspace to start training; viewing existing runs still works.';

type Pick<T> = vscode.QuickPickItem & { value: T };

/** A text file's content ('' when unreadable: the trainer then reports the file itself). */
async function readText(file: string): Promise<string> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
  } catch {
    return '';
  }
}

/**
 * Builds a TrainRequest from the user's picks; undefined when they cancelled. `initial`: Run
 * again — the custom flow (startFlow.ts) prefilled with that run's configuration.
 */
export async function askTrainRequest(settings: Settings, initial?: StartFlowInitial): Promise<TrainRequest | undefined> {
  const base = {
    rankPolicy: settings.rankPolicy,
    quantize: settings.quantize,
    freeze: settings.freeze,
    decide: settings.decide,
    decomposePointwise: settings.decomposePointwise,
    decomposeDense: settings.decomposeDense,
    backend: settings.backend,
    runsDir: settings.runsDirectory,
    checkpointMinutes: settings.checkpointMinutes,
    logEverySteps: settings.logEverySteps,
  };
  if (initial) return askCustomRequest(settings, base, initial);
  type Choice = { kind: 'preset'; index: number } | { kind: 'custom' } | { kind: 'defaults' } | { kind: 'config' };
  const items: Pick<Choice>[] = [
    ...PRESETS.map((p, index) => ({ label: p.label, detail: p.detail, value: { kind: 'preset' as const, index } })),
    {
      label: '$(settings-gear) Defaults from settings',
      detail: `${settings.model} on ${settings.dataset}, ${settings.epochs} epochs, decompose after ${settings.decomposeAt ?? 'never'}, reconstruct after ${settings.reconstructAt ?? 'never'}`,
      value: { kind: 'defaults' },
    },
    { label: '$(list-selection) Custom…', detail: 'choose the model, the dataset and the schedule', value: { kind: 'custom' } },
    {
      label: '$(json) From config file…',
      detail: 'a *.tucker.json file (validated against the run config schema)',
      value: { kind: 'config' },
    },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Start decomposed training',
    placeHolder: 'Choose a schedule',
    matchOnDetail: true,
  });
  if (!choice) return undefined;
  const c = choice.value;
  if (c.kind === 'preset') {
    const p = PRESETS[c.index];
    let dataset = p.dataset;
    if (dataset === 'cifar10') {
      const d = await pickCifarFolder();
      if (!d) return undefined;
      dataset = d;
    }
    return {
      ...base,
      model: p.model,
      dataset,
      epochs: p.epochs,
      decomposeAt: p.decomposeAt,
      reconstructAt: p.reconstructAt,
      rankPolicy: p.rankPolicy ?? base.rankPolicy,
      optimizer: p.optimizer,
      name: sanitizeRunName(`${p.model}-${p.id}`),
    };
  }
  if (c.kind === 'defaults') {
    return {
      ...base,
      model: settings.model,
      dataset: settings.dataset,
      epochs: settings.epochs,
      decomposeAt: settings.decomposeAt,
      reconstructAt: settings.reconstructAt,
      name: sanitizeRunName(`${path.basename(settings.model, '.json')}-run`),
    };
  }
  if (c.kind === 'config') {
    const files = await vscode.workspace.findFiles('**/*.tucker.json', '**/node_modules/**', 200);
    let file: string | undefined;
    if (files.length) {
      const pick = await vscode.window.showQuickPick(
        [
          ...files.map((f) => ({ label: vscode.workspace.asRelativePath(f), value: f.fsPath })),
          { label: '$(folder-opened) Browse…', value: '' },
        ],
        { title: 'Run config file' },
      );
      if (!pick) return undefined;
      file = pick.value || undefined;
    }
    if (!file) {
      const r = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'Tucker run config': ['json'] },
        title: 'Run config file (*.tucker.json)',
      });
      file = r?.[0]?.fsPath;
    }
    if (!file) return undefined;
    // The file's `name` is the default (a --name flag would win over it, so ask rather than guess).
    const suggested = configRunName(await readText(file), file);
    const name = await vscode.window.showInputBox({
      title: 'Start decomposed training: name',
      prompt: `Run name (from ${path.basename(file)}'s "name", else its file name)`,
      value: suggested,
      validateInput: runNameProblem,
    });
    if (name === undefined) return undefined;
    return {
      ...base,
      model: settings.model,
      dataset: settings.dataset,
      epochs: settings.epochs,
      decomposeAt: settings.decomposeAt,
      reconstructAt: settings.reconstructAt,
      name: sanitizeRunName(name.trim()),
      configFile: file,
    };
  }
  return askCustomRequest(settings, base);
}

/** A notification that follows the run until it ends; Cancel stops it. */
export function showRunProgress(runs: RunService, run: LiveRun): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tucker Train: ${run.name}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let lastFraction = 0;
        progress.report({ message: 'starting the trainer…' });
        const sub = runs.onDidChangeLive((r) => {
          if (r !== run) return;
          if (r.ended) {
            sub.dispose();
            resolve();
            return;
          }
          const p = r.progress;
          if (p) {
            const fraction = (p.epoch - 1 + epochFraction(p.step, p.stepsPerEpoch)) / Math.max(1, r.totalEpochs);
            const inc = Math.max(0, (fraction - lastFraction) * 100);
            lastFraction = Math.max(lastFraction, fraction);
            const acc = r.lastMetrics
              ? ` · accuracy ${((r.lastMetrics.valAccuracy ?? r.lastMetrics.trainAccuracy) * 100).toFixed(1)} %`
              : '';
            progress.report({ increment: inc, message: `${r.stopping ? 'stopping… ' : ''}epoch ${p.epoch}/${r.totalEpochs}${acc}` });
          } else if (r.stopping) {
            progress.report({ message: 'stopping…' });
          }
        });
        token.onCancellationRequested(() => {
          if (run.runId) void runs.stop(run.runId);
          else run.process?.stop();
        });
      }),
  );
}

/**
 * Starts the trainer for a request and follows it: progress notification, and the dashboard
 * switches to the run as soon as the trainer reports its folder. Returns the started run.
 */
export async function launchRun(d: { runs: RunService; dashboard: DashboardViewProvider }, request: TrainRequest, runsDirectory: string) {
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(request.runsDir));
  d.runs.setRunsDirectory(request.runsDir || runsDirectory); // the folder chosen under Advanced… (the setting's by default)
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? request.runsDir;
  const run = d.runs.start(request, cwd);
  showRunProgress(d.runs, run);
  const sub = d.runs.onDidChangeLive((r) => {
    if (r === run && r.runId) {
      sub.dispose();
      d.dashboard.show(r.runId);
    } else if (r === run && r.ended) sub.dispose();
  });
  return run;
}
