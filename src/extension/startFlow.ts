// The custom start flow: model, dataset, epochs, schedule, rank policy and name, then Start or
// "Advanced…" (backend, learning rate, batch size, quantization, runs folder). Every box checks its
// answer with the trainer's rules as it is typed (startFlowRules.ts), against the answers before it,
// so a mistake shows where it was made and nothing typed earlier is lost. "Run again" opens the
// same flow with a run's configuration.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKEND_REQUESTS, type BackendRequest } from '../runs/types';
import type { Settings } from './settings';
import {
  batchProblem,
  decomposeProblem,
  defaultDecomposeAt,
  defaultReconstructAt,
  epochsProblem,
  lrProblem,
  rankPolicyProblem,
  reconstructProblem,
  runNameProblem,
  suggestedRunName,
  type StartFlowInitial,
} from './startFlowRules';
import { parseDecomposeAt, parseOptionalEpoch, sanitizeRunName, type TrainRequest } from './trainRequest';

type Item<T> = vscode.QuickPickItem & { value: T };

const STEPS = 7;
const title = (n: number, what: string) => `Start decomposed training (${n}/${STEPS}): ${what}`;

export const MODELS: Item<string>[] = [
  { label: 'small-cnn', description: 'a small CNN for the MNIST digits (fast)', value: 'small-cnn' },
  { label: 'vgg19', description: 'VGG19 for CIFAR-10 (the paper’s best case)', value: 'vgg19' },
  { label: 'resnet56', description: 'ResNet56 for CIFAR-10', value: 'resnet56' },
  { label: 'resnet56-pad', description: 'the paper’s CIFAR ResNet56 (zero-padding shortcuts, only 3×3 convs)', value: 'resnet56-pad' },
  { label: 'densenet40', description: 'DenseNet40 for CIFAR-10', value: 'densenet40' },
  { label: '$(file) TensorFlow.js model.json…', description: 'a Layers model from a file', value: 'file' },
];

export const DATASETS: Item<string>[] = [
  { label: 'mnist', description: 'the bundled 10,000 real MNIST digits', value: 'mnist' },
  { label: 'fashion-mnist', description: "Debian's dataset-fashion-mnist: 60,000 + 10,000 clothes images, 28×28", value: 'fashion-mnist' },
  { label: 'synthetic', description: 'generated 16×16×3 images, for smoke tests', value: 'synthetic' },
  { label: '$(folder) CIFAR-10…', description: 'choose the folder with data_batch_1..5.bin and test_batch.bin', value: 'cifar10' },
];

const POLICIES: Item<string>[] = [
  { label: 'vbmf', description: 'EVBMF ranks per layer (the paper’s)', value: 'vbmf' },
  { label: 'stable:F…', description: 'F × the layer’s stable rank (Cuttlefish); you choose F', value: 'stable' },
  { label: 'ratio:0.25', description: 'a quarter of the channels on each side', value: 'ratio:0.25' },
  { label: 'ratio:0.5', description: 'half of the channels on each side', value: 'ratio:0.5' },
  { label: 'energy:0.9', description: 'keep 90 % of the singular-value energy', value: 'energy:0.9' },
  { label: 'Other…', description: 'type a policy: vbmf, ratio:F, energy:F or stable:F', value: 'other' },
];

export async function pickCifarFolder(): Promise<string | undefined> {
  const r = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title: 'CIFAR-10 folder (data_batch_1.bin … test_batch.bin)',
    openLabel: 'Use this folder',
  });
  return r?.[0] ? `cifar10:${r[0].fsPath}` : undefined;
}

/** An input box that refuses what `problem` objects to, message under the box; undefined when cancelled. */
function ask(t: string, prompt: string, value: string, problem: (v: string) => string | null): Thenable<string | undefined> {
  return vscode.window.showInputBox({ title: t, prompt, value, ignoreFocusOut: true, validateInput: (v) => problem(v) });
}

/** A previous answer offered first (Run again). */
function withPrevious(items: Item<string>[], previous: string | undefined): Item<string>[] {
  if (!previous) return items;
  const rest = items.filter((i) => i.value !== previous);
  return [{ label: `$(history) ${previous}`, description: 'as in the run you repeat', value: previous }, ...rest];
}

async function askModel(initial?: StartFlowInitial): Promise<string | undefined> {
  const m = await vscode.window.showQuickPick(withPrevious(MODELS, initial?.model), { title: title(1, 'model'), ignoreFocusOut: true });
  if (!m) return undefined;
  if (m.value !== 'file') return m.value;
  const r = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'TensorFlow.js model': ['json'] }, title: 'model.json' });
  return r?.[0]?.fsPath;
}

async function askDataset(initial?: StartFlowInitial): Promise<string | undefined> {
  const d = await vscode.window.showQuickPick(withPrevious(DATASETS, initial?.dataset), {
    title: title(2, 'dataset'),
    ignoreFocusOut: true,
  });
  if (!d) return undefined;
  return d.value === 'cifar10' ? pickCifarFolder() : d.value;
}

async function askRankPolicy(current: string): Promise<string | undefined> {
  const items = POLICIES.map((p) => ({ ...p, picked: p.value === current }));
  if (!POLICIES.some((p) => p.value === current) && !current.startsWith('stable:'))
    items.unshift({ label: current, description: 'as before', value: current, picked: true });
  const p = await vscode.window.showQuickPick(items, {
    title: title(6, 'rank policy'),
    placeHolder: `now: ${current}`,
    ignoreFocusOut: true,
  });
  if (!p) return undefined;
  if (p.value === 'stable') {
    const f = await ask(
      title(6, 'rank policy'),
      'Stable-rank factor F (0 < F ≤ 64): ranks are ⌈F × stable rank⌉',
      current.startsWith('stable:') ? current.slice(7) : '2',
      (v) => rankPolicyProblem(`stable:${v.trim()}`),
    );
    return f === undefined ? undefined : `stable:${f.trim()}`;
  }
  if (p.value === 'other') {
    const t = await ask(
      title(6, 'rank policy'),
      'vbmf, ratio:F, energy:F (0 < F ≤ 1) or stable:F (0 < F ≤ 64)',
      current,
      rankPolicyProblem,
    );
    return t?.trim();
  }
  return p.value;
}

/** The rare options; each keeps its value when the box refuses it. Undefined when cancelled. */
async function askAdvanced(r: TrainRequest, settings: Settings): Promise<TrainRequest | undefined> {
  const t = 'Start decomposed training: advanced';
  const b = await vscode.window.showQuickPick(
    BACKEND_REQUESTS.map((x) => ({
      label: x,
      description: x === 'auto' ? 'the fastest that works here' : undefined,
      picked: x === r.backend,
      value: x,
    })),
    { title: `${t} — backend`, placeHolder: `now: ${r.backend}`, ignoreFocusOut: true },
  );
  if (!b) return undefined;
  const lr = await ask(
    `${t} — learning rate`,
    'Initial learning rate (empty: the trainer’s default, 0.05 ×0.1 after epochs 4 and 7)',
    r.lr !== undefined ? String(r.lr) : '',
    lrProblem,
  );
  if (lr === undefined) return undefined;
  const batch = await ask(
    `${t} — batch size`,
    'Images per step (empty: the trainer’s default, 64)',
    r.batchSize !== undefined ? String(r.batchSize) : '',
    batchProblem,
  );
  if (batch === undefined) return undefined;
  const q = await ask(
    `${t} — quantize ranks`,
    'Round ranks up to a multiple of N (8 or 16 suit GPUs), or "none"',
    r.quantize === null ? 'none' : String(r.quantize),
    (v) => {
      const n = parseOptionalEpoch(v);
      return n === undefined || n === 0 ? 'a whole number ≥ 1, or "none"' : null;
    },
  );
  if (q === undefined) return undefined;
  const freezeNow = r.freeze ?? 'none';
  const fr = await vscode.window.showQuickPick(
    [
      { label: 'none', description: 'every factor trains every epoch', value: 'none' },
      { label: 'sequential', description: 'one factor group per epoch: first 1×1, core, last 1×1 (faster epochs)', value: 'sequential' },
      { label: 'sequential:2', description: 'the same, two epochs per group', value: 'sequential:2' },
    ].map((x) => ({ ...x, picked: x.value === freezeNow })),
    { title: `${t} — freezing after decomposition`, placeHolder: `now: ${freezeNow}`, ignoreFocusOut: true },
  );
  if (!fr) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dir = await ask(`${t} — runs folder`, `Folder for the run (relative to the workspace); the Runs tree follows it`, r.runsDir, (v) =>
    v.trim() ? null : 'a folder',
  );
  if (dir === undefined) return undefined;
  const runsDir = path.isAbsolute(dir.trim()) ? path.normalize(dir.trim()) : path.join(folder ?? settings.runsDirectory, dir.trim());
  return {
    ...r,
    backend: b.value,
    lr: lr.trim() ? Number(lr) : undefined,
    batchSize: batch.trim() ? Number(batch) : undefined,
    quantize: parseOptionalEpoch(q) ?? null,
    freeze: fr.value,
    runsDir,
  };
}

/** The custom flow; `initial` prefills it (Run again). Undefined when the user cancelled. */
export async function askCustomRequest(
  settings: Settings,
  base: Omit<TrainRequest, 'model' | 'dataset' | 'epochs' | 'decomposeAt' | 'reconstructAt' | 'name'>,
  initial?: StartFlowInitial,
): Promise<TrainRequest | undefined> {
  const model = await askModel(initial);
  if (!model) return undefined;
  const dataset = await askDataset(initial);
  if (!dataset) return undefined;
  const e = await ask(title(3, 'epochs'), 'Total epochs', String(initial?.epochs ?? settings.epochs), epochsProblem);
  if (e === undefined) return undefined;
  const epochs = Number(parseOptionalEpoch(e));
  const d0 = await ask(
    title(4, 'decompose after'),
    `Decompose after epoch (0 … ${epochs - 1}), "auto" (when the layers' ranks settle: EVBMF, or the rank policy's), or "none" for a baseline run`,
    defaultDecomposeAt(initial ? initial.decomposeAt : settings.decomposeAt, epochs),
    (v) => decomposeProblem(v, epochs),
  );
  if (d0 === undefined) return undefined;
  const decomposeAt = parseDecomposeAt(d0) ?? null;
  let reconstructAt: number | null = null;
  if (decomposeAt !== null) {
    const setting = initial
      ? { epochs: initial.epochs, reconstructAt: initial.reconstructAt }
      : { epochs: settings.epochs, reconstructAt: settings.reconstructAt };
    const r0 = await ask(
      title(5, 'reconstruct after'),
      `Merge the decomposed layers back after epoch (${decomposeAt === 'auto' ? 'after the automatic epoch' : `${decomposeAt + 1} … ${epochs}`}), or "none" to stay decomposed`,
      defaultReconstructAt(setting, epochs, decomposeAt),
      (v) => reconstructProblem(v, epochs, decomposeAt),
    );
    if (r0 === undefined) return undefined;
    reconstructAt = parseOptionalEpoch(r0) ?? null;
  }
  let rankPolicy = initial?.rankPolicy ?? base.rankPolicy;
  if (decomposeAt !== null) {
    const p = await askRankPolicy(rankPolicy);
    if (p === undefined) return undefined;
    rankPolicy = p;
  }
  const suggested = initial?.name ?? suggestedRunName(model, decomposeAt, rankPolicy);
  const name = await ask(
    title(7, 'name'),
    'Run name (shown in the Runs tree; the folder gets a time stamp too)',
    suggested,
    runNameProblem,
  );
  if (name === undefined) return undefined;
  let request: TrainRequest = {
    ...base,
    model,
    dataset,
    epochs,
    decomposeAt,
    reconstructAt,
    rankPolicy,
    name: sanitizeRunName(name.trim()),
    ...(initial
      ? {
          backend: initial.backend as BackendRequest,
          runsDir: initial.runsDir,
          optimizer: { lr: initial.lr, lrMilestones: initial.lrMilestones, weightDecay: initial.weightDecay, batchSize: initial.batchSize },
        }
      : {}),
  };
  const go = await vscode.window.showQuickPick(
    [
      { label: '$(play) Start training', description: `${request.name} · ${rankPolicy} · backend ${request.backend}`, value: 'start' },
      {
        label: '$(settings) Advanced…',
        description: 'backend, learning rate, batch size, rank quantization, runs folder',
        value: 'advanced',
      },
    ],
    { title: 'Start decomposed training: ready', ignoreFocusOut: true },
  );
  if (!go) return undefined;
  if (go.value === 'advanced') {
    const adv = await askAdvanced(
      { ...request, lr: request.lr ?? request.optimizer?.lr, batchSize: request.batchSize ?? request.optimizer?.batchSize },
      settings,
    );
    if (!adv) return undefined;
    request = adv;
  }
  return request;
}
