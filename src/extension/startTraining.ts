// "Start decomposed training": quick picks for a preset or model, dataset and schedule (or a
// config file), then the trainer is forked and followed with a progress notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  checkSchedule,
  epochFraction,
  parseDecomposeAt,
  parseOptionalEpoch,
  PRESETS,
  sanitizeRunName,
  type TrainRequest,
} from './trainRequest';
import type { LiveRun, RunService } from './runService';
import type { Settings } from './settings';
import type { DashboardViewProvider } from './dashboardView';

export const UNTRUSTED_MESSAGE =
  'Tucker Train: training is disabled in this untrusted workspace, because a run executes model and config files from the workspace in a separate Node.js process. Trust the workspace to start training; viewing existing runs still works.';

type Pick<T> = vscode.QuickPickItem & { value: T };

const MODELS: Pick<string>[] = [
  { label: 'small-cnn', description: 'a small CNN for the MNIST digits (fast)', value: 'small-cnn' },
  { label: 'vgg19', description: 'VGG19 for CIFAR-10 (the paper’s best case)', value: 'vgg19' },
  { label: 'resnet56', description: 'ResNet56 for CIFAR-10', value: 'resnet56' },
  { label: 'densenet40', description: 'DenseNet40 for CIFAR-10', value: 'densenet40' },
  { label: '$(file) TensorFlow.js model.json…', description: 'a Layers model from a file', value: 'file' },
];

const DATASETS: Pick<string>[] = [
  { label: 'mnist', description: 'the bundled 10,000 real MNIST digits', value: 'mnist' },
  { label: 'fashion-mnist', description: "Debian's dataset-fashion-mnist: 60,000 + 10,000 clothes images, 28×28", value: 'fashion-mnist' },
  { label: 'synthetic', description: 'generated images, for smoke tests', value: 'synthetic' },
  { label: '$(folder) CIFAR-10…', description: 'choose the folder with data_batch_1..5.bin and test_batch.bin', value: 'cifar10' },
];

async function pickCifarFolder(): Promise<string | undefined> {
  const r = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title: 'CIFAR-10 folder (data_batch_1.bin … test_batch.bin)',
    openLabel: 'Use this folder',
  });
  return r?.[0] ? `cifar10:${r[0].fsPath}` : undefined;
}

async function askEpoch(title: string, prompt: string, value: string, allowNone: boolean): Promise<number | null | undefined> {
  const s = await vscode.window.showInputBox({
    title,
    prompt,
    value,
    validateInput: (v) => {
      const n = parseOptionalEpoch(v);
      if (n === undefined) return 'a whole number of epochs' + (allowNone ? ', or "none"' : '');
      if (n === null && !allowNone) return 'required';
      return null;
    },
  });
  return s === undefined ? undefined : parseOptionalEpoch(s);
}

/** Builds a TrainRequest from the user's picks; undefined when they cancelled. */
export async function askTrainRequest(settings: Settings): Promise<TrainRequest | undefined> {
  const base = {
    rankPolicy: settings.rankPolicy,
    quantize: settings.quantize,
    backend: settings.backend,
    runsDir: settings.runsDirectory,
    checkpointMinutes: settings.checkpointMinutes,
  };
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
    const name = sanitizeRunName(path.basename(file).replace(/\.tucker\.json$|\.json$/, ''));
    return {
      ...base,
      model: settings.model,
      dataset: settings.dataset,
      epochs: settings.epochs,
      decomposeAt: settings.decomposeAt,
      reconstructAt: settings.reconstructAt,
      name,
      configFile: file,
    };
  }
  // custom
  const m = await vscode.window.showQuickPick(MODELS, { title: 'Start decomposed training (1/3): model' });
  if (!m) return undefined;
  let model = m.value;
  if (model === 'file') {
    const r = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'TensorFlow.js model': ['json'] },
      title: 'model.json',
    });
    if (!r?.[0]) return undefined;
    model = r[0].fsPath;
  }
  const d = await vscode.window.showQuickPick(DATASETS, { title: 'Start decomposed training (2/3): dataset' });
  if (!d) return undefined;
  let dataset = d.value;
  if (dataset === 'cifar10') {
    const folder = await pickCifarFolder();
    if (!folder) return undefined;
    dataset = folder;
  }
  const epochs = await askEpoch('Start decomposed training (3/3): schedule', 'Total epochs', String(settings.epochs), false);
  if (epochs === undefined || epochs === null) return undefined;
  const d0 = await vscode.window.showInputBox({
    title: 'Schedule',
    prompt: 'Decompose after epoch, "auto" (when the layers\' EVBMF ranks settle), or "none" for a baseline run',
    value: settings.decomposeAt === null ? 'none' : String(Math.min(settings.decomposeAt, epochs - 1)),
    validateInput: (v) => (parseDecomposeAt(v) === undefined ? 'a whole number of epochs, "auto", or "none"' : null),
  });
  if (d0 === undefined) return undefined;
  const decomposeAt = parseDecomposeAt(d0) ?? null;
  let reconstructAt: number | null = null;
  if (decomposeAt !== null) {
    const r = await askEpoch(
      'Schedule',
      'Reconstruct (merge back) after epoch, or "none"',
      settings.reconstructAt === null ? 'none' : String(settings.reconstructAt),
      true,
    );
    if (r === undefined) return undefined;
    reconstructAt = r;
  }
  const err = checkSchedule(epochs, decomposeAt, reconstructAt);
  if (err) {
    void vscode.window.showErrorMessage(`Tucker Train: ${err}`);
    return undefined;
  }
  return {
    ...base,
    model,
    dataset,
    epochs,
    decomposeAt,
    reconstructAt,
    name: sanitizeRunName(`${path.basename(model, '.json')}-${decomposeAt === null ? 'baseline' : 'tucker'}`),
  };
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
  d.runs.setRunsDirectory(runsDirectory);
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
