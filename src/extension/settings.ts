// The extension's settings, read in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKEND_REQUESTS as BACKENDS, type BackendRequest } from '../runs/types';
import { ConfigKeys } from './constants';
import { freezeSetting } from './trainRequest';
import { DEFAULT_CHECKPOINT_MINUTES } from '../runs/checkpoints';
import { DEFAULT_LOG_EVERY_STEPS } from '../runs/steps';

export interface Settings {
  runsDirectory: string; // absolute
  backend: BackendRequest;
  model: string;
  dataset: string;
  epochs: number;
  decomposeAt: number | null;
  reconstructAt: number | null;
  rankPolicy: string;
  quantize: number | null;
  /** Sequential freezing after decomposition: 'none' or 'sequential[:K]' (passed as --freeze). */
  freeze: string;
  /** Per-layer choice at decomposition (--decide): timed on the backend, or by FLOPs. */
  decide: 'measured' | 'flops';
  /** SVD splits of 1×1 convolutions and Dense layers (--decompose-pointwise, --decompose-dense). */
  decomposePointwise: boolean;
  decomposeDense: boolean;
  /** Minutes between periodic checkpoints (null: none by time). */
  checkpointMinutes: number | null;
  /** steps.jsonl interval in optimizer steps (0: none; docs/design.md §3.6). */
  logEverySteps: number;
}

function positiveOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

function nonNegativeInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
}

function nullableEpoch(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
}

/** Resolves the runs directory: absolute as given, relative to the first workspace folder, else in global storage. */
export function resolveRunsDirectory(setting: string, workspaceFolder: string | undefined, fallback: string): string {
  const s = setting.trim() || 'runs';
  const expanded = workspaceFolder ? s.replace(/\$\{workspaceFolder\}/g, workspaceFolder) : s;
  if (path.isAbsolute(expanded)) return path.normalize(expanded);
  return path.join(workspaceFolder ?? fallback, expanded);
}

export function readSettings(fallbackDir: string): Settings {
  const c = vscode.workspace.getConfiguration(ConfigKeys.section);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const backend = c.get<string>(ConfigKeys.backend, 'auto');
  const epochs = c.get<number>(ConfigKeys.epochs, 8);
  const quantize = c.get<number | null>(ConfigKeys.quantize, null);
  return {
    runsDirectory: resolveRunsDirectory(c.get<string>(ConfigKeys.runsDirectory, 'runs'), folder, fallbackDir),
    backend: (BACKENDS as readonly string[]).includes(backend) ? (backend as BackendRequest) : 'auto',
    model: c.get<string>(ConfigKeys.model, 'small-cnn') || 'small-cnn',
    dataset: c.get<string>(ConfigKeys.dataset, 'mnist') || 'mnist',
    epochs: Number.isInteger(epochs) && epochs >= 1 ? epochs : 8,
    decomposeAt: nullableEpoch(c.get(ConfigKeys.decomposeAt, 3)),
    reconstructAt: nullableEpoch(c.get(ConfigKeys.reconstructAt, 7)),
    rankPolicy: c.get<string>(ConfigKeys.rankPolicy, 'vbmf') || 'vbmf',
    quantize: typeof quantize === 'number' && Number.isInteger(quantize) && quantize >= 1 ? quantize : null,
    freeze: freezeSetting(c.get<string>(ConfigKeys.freeze, 'none')),
    decide: c.get<string>(ConfigKeys.decide, 'measured') === 'flops' ? 'flops' : 'measured',
    decomposePointwise: c.get<boolean>(ConfigKeys.decomposePointwise, false) === true,
    decomposeDense: c.get<boolean>(ConfigKeys.decomposeDense, false) === true,
    checkpointMinutes: positiveOrNull(c.get<number | null>(ConfigKeys.checkpointMinutes, DEFAULT_CHECKPOINT_MINUTES)),
    logEverySteps: nonNegativeInt(c.get<number>(ConfigKeys.logEverySteps, DEFAULT_LOG_EVERY_STEPS), DEFAULT_LOG_EVERY_STEPS),
  };
}
