// "Start decomposed training from this model" (the preview panel's button): the model.json is
// the model, the schedule comes from the tuckerTrain.defaults.* settings, the dataset is asked.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardViewProvider } from '../dashboardView';
import type { RunService } from '../runService';
import type { Settings } from '../settings';
import { launchRun, UNTRUSTED_MESSAGE } from '../startTraining';
import { checkSchedule, sanitizeRunName, type TrainRequest } from '../trainRequest';
import { readModelJson } from '../../model/modelJson';
import { syntheticDatasetFor } from '../../model/inputShape';

export interface StartDeps {
  runs: RunService;
  dashboard: DashboardViewProvider;
  settings(): Settings;
}

/** Asks for the dataset and starts a run of this model; returns false when cancelled. */
export async function startTrainingFromModel(modelPath: string, d: StartDeps): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE);
    return false;
  }
  const s = d.settings();
  const items: (vscode.QuickPickItem & { value: string })[] = [
    { label: 'mnist', description: 'the bundled MNIST digits (28×28×1 models)', value: 'mnist' },
    { label: 'synthetic', description: 'generated images of the model’s input size (smoke test)', value: 'synthetic' },
    { label: '$(folder) CIFAR-10…', description: 'the folder with the CIFAR-10 binary files (32×32×3 models)', value: 'cifar10' },
  ];
  if (s.dataset !== 'mnist' && s.dataset !== 'synthetic')
    items.unshift({ label: s.dataset, description: 'from settings', value: s.dataset });
  const pick = await vscode.window.showQuickPick(items, {
    title: `Train ${path.basename(path.dirname(modelPath))}/${path.basename(modelPath)}: dataset`,
    placeHolder: `${s.epochs} epochs, decompose after ${s.decomposeAt ?? 'never'} (tuckerTrain.defaults.*)`,
  });
  if (!pick) return false;
  let dataset = pick.value;
  if (dataset === 'cifar10') {
    const r = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      title: 'CIFAR-10 folder',
      openLabel: 'Use this folder',
    });
    if (!r?.[0]) return false;
    dataset = `cifar10:${r[0].fsPath}`;
  } else if (dataset === 'synthetic') {
    // Generated images of the model's own input size: a bare 'synthetic' means 16×16×3.
    dataset = syntheticDatasetFor(await readModelJson(modelPath));
  }
  const decomposeAt = s.decomposeAt ?? Math.min(2, s.epochs - 1);
  const problem = checkSchedule(s.epochs, decomposeAt, s.reconstructAt);
  if (problem) throw new Error(`the training settings do not make a schedule: ${problem}`);
  const request: TrainRequest = {
    model: modelPath,
    dataset,
    epochs: s.epochs,
    decomposeAt,
    reconstructAt: s.reconstructAt,
    rankPolicy: s.rankPolicy,
    quantize: s.quantize,
    backend: s.backend,
    runsDir: s.runsDirectory,
    name: sanitizeRunName(`${path.basename(path.dirname(modelPath))}-tucker`),
  };
  await launchRun(d, request, s.runsDirectory);
  return true;
}
