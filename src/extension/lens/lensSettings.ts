// The lens settings (tuckerTrain.lens.*), read in one place. Unset policy / quantize fall back to
// the training settings, so the hints show what a run would do.
import * as vscode from 'vscode';
import { parseRankPolicy, type RankPolicy } from '../../core/rankPolicy';
import { ConfigKeys } from '../constants';

export interface LensSettings {
  enabled: boolean;
  policyText: string;
  policy: RankPolicy;
  quantize?: number;
  inputSize?: [number, number];
  /** A setting that could not be used, as a sentence (the lenses say it). */
  problem: string | null;
  /** model.json files above this many bytes get one "too large" lens (tuckerTrain.lens.maxModelSizeMB). */
  maxModelBytes: number;
  /** vscode.workspace.isTrusted: false means no weight file is read (shape-only estimates). */
  trusted: boolean;
}

export function parseInputSize(s: string): [number, number] | undefined | null {
  if (!s.trim()) return undefined;
  const m = /^\s*(\d+)\s*[x×X,]\s*(\d+)\s*$/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return null;
  return [Number(m[1]), Number(m[2])];
}

export function readLensSettings(): LensSettings {
  const c = vscode.workspace.getConfiguration(ConfigKeys.section);
  const enabled = c.get<boolean>(ConfigKeys.lensEnabled, true) !== false;
  const own = c.get<string | null>(ConfigKeys.lensRankPolicy, null);
  const policyText = (own && own.trim()) || c.get<string>(ConfigKeys.rankPolicy, 'vbmf') || 'vbmf';
  let problem: string | null = null;
  let policy: RankPolicy = { kind: 'vbmf' };
  try {
    policy = parseRankPolicy(policyText);
  } catch (e) {
    problem = `setting ${ConfigKeys.section}.${ConfigKeys.lensRankPolicy}: ${(e as Error).message}`;
  }
  const ownQ = c.get<number | null>(ConfigKeys.lensQuantize, null);
  const q = ownQ ?? c.get<number | null>(ConfigKeys.quantize, null);
  const quantize = typeof q === 'number' && Number.isInteger(q) && q >= 1 ? q : undefined;
  const sizeText = c.get<string>(ConfigKeys.lensInputSize, '') ?? '';
  const size = parseInputSize(sizeText);
  if (size === null)
    problem = `setting ${ConfigKeys.section}.${ConfigKeys.lensInputSize} '${sizeText}' must be HxW with positive integers (e.g. 32x32)`;
  const mb = c.get<number>(ConfigKeys.lensMaxModelSizeMB, 8);
  const maxModelBytes = (typeof mb === 'number' && Number.isFinite(mb) && mb >= 0 ? mb : 8) * 1024 * 1024;
  return {
    enabled,
    policyText: problem ? 'vbmf' : policyText,
    policy,
    quantize,
    inputSize: size ?? undefined,
    problem,
    maxModelBytes,
    trusted: vscode.workspace.isTrusted,
  };
}
