// The extension's settings, read in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKEND_REQUESTS as BACKENDS, type BackendRequest } from '../runs/types';
import { ConfigKeys } from './constants';
import { DEFAULT_CHECKPOINT_MINUTES } from '../runs/checkpoints';

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
  /** Minutes between periodic checkpoints (null: none by time). */
  checkpointMinutes: number | null;
}

function positiveOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
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
    checkpointMinutes: positiveOrNull(c.get<number | null>(ConfigKeys.checkpointMinutes, DEFAULT_CHECKPOINT_MINUTES)),
  };
}
