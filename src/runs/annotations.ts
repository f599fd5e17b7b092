// What the user adds to a run from VS Code — a display name, tags, a star — stored in its
// run.json (docs/design.md §3.1). The edits are pure functions of the RunInfo; writer.ts's
// `rewriteRunInfo` applies one atomically, and the trainer keeps these fields when it rewrites
// run.json later (`keepUserAnnotations`), so a running run can be renamed too.
import { UserError } from '../core/userError';
import type { RunInfo } from './types';

export type UserAnnotations = Pick<RunInfo, 'displayName' | 'tags' | 'starred'>;

/** The name to show: the user's display name, else the name the run was started with. */
export function shownName(info: Pick<RunInfo, 'name' | 'displayName'>): string {
  return info.displayName || info.name;
}

const MAX_NAME = 120;
const MAX_TAG = 40;

/** A display name as typed (trimmed, one line); null when it is the run's own name or empty. Throws UserError when too long. */
export function normalizeDisplayName(info: Pick<RunInfo, 'name'>, typed: string): string | null {
  const s = typed.replace(/\s+/g, ' ').trim();
  if (s.length > MAX_NAME) throw new UserError(`a run name has at most ${MAX_NAME} characters (this one has ${s.length})`);
  return s === '' || s === info.name ? null : s;
}

/** "baseline, lr 0.1  ,, fast" → ['baseline', 'lr 0.1', 'fast']: comma-separated, trimmed, no duplicates. */
export function parseTags(typed: string): string[] {
  const out: string[] = [];
  for (const raw of typed.split(',')) {
    const t = raw.replace(/\s+/g, ' ').trim();
    if (!t) continue;
    if (t.length > MAX_TAG) throw new UserError(`a tag has at most ${MAX_TAG} characters: '${t.slice(0, MAX_TAG)}…'`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

export function withDisplayName(info: RunInfo, typed: string): RunInfo {
  const displayName = normalizeDisplayName(info, typed);
  const { displayName: _old, ...rest } = info;
  return displayName === null ? rest : { ...rest, displayName };
}

export function withTags(info: RunInfo, tags: readonly string[]): RunInfo {
  const { tags: _old, ...rest } = info;
  return tags.length ? { ...rest, tags: [...tags] } : rest;
}

export function withStar(info: RunInfo, starred: boolean): RunInfo {
  const { starred: _old, ...rest } = info;
  return starred ? { ...rest, starred } : rest;
}

/** The annotations of `from`, laid over `to` (absent in `from` = absent in the result). */
export function keepUserAnnotations(to: RunInfo, from: RunInfo | null): RunInfo {
  if (!from) return to;
  const next: RunInfo = { ...to };
  for (const k of ['displayName', 'tags', 'starred'] as const) {
    if (from[k] === undefined) delete next[k];
    else (next as unknown as Record<string, unknown>)[k] = from[k];
  }
  return next;
}
