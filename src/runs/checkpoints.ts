// Checkpoint lookup in a run folder (docs/design.md §3): checkpoints/<label>/model.json in the
// TF.js Layers format, with what the schedule needs to continue in userDefinedMetadata.tuckerTrain.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINTS_DIR, type Phase } from './types';

/** What a checkpoint records about the run at the moment it was written. */
export interface CheckpointMeta {
  label: string;
  epochsCompleted: number;   // the schedule continues at epochsCompleted + 1
  step: number;
  seconds: number;
  phase: Phase;
}

function isCheckpointMeta(v: unknown): v is CheckpointMeta {
  const m = v as CheckpointMeta | null;
  return typeof m === 'object' && m !== null && typeof m.label === 'string' && typeof m.epochsCompleted === 'number'
    && typeof m.step === 'number' && typeof m.seconds === 'number' && typeof m.phase === 'string';
}

/** The last complete checkpoint of a run folder (by epochs completed, then step), or null. */
export function lastCheckpoint(runDir: string): { dir: string; meta: CheckpointMeta } | null {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return null;
  let best: { dir: string; meta: CheckpointMeta } | null = null;
  for (const label of readdirSync(root)) {
    const file = join(root, label, 'model.json');
    if (!existsSync(file)) continue;
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { userDefinedMetadata?: { tuckerTrain?: unknown } };
      const meta = json.userDefinedMetadata?.tuckerTrain;
      if (!isCheckpointMeta(meta)) continue;
      if (!best || meta.epochsCompleted > best.meta.epochsCompleted || (meta.epochsCompleted === best.meta.epochsCompleted && meta.step > best.meta.step)) {
        best = { dir: join(root, label), meta };
      }
    } catch { /* a torn checkpoint is ignored: checkpoints are swapped in whole folders, so only foreign files get here */ }
  }
  return best;
}
