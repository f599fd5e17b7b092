// What a checkpoint needs beyond the weights so that resuming continues the same trajectory
// (docs/design.md §3.4): the SGD momentum buffers and the data/augmentation generator's state.
// Stored beside model.json in the checkpoint folder and swapped in with it (modelIO.saveModel).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRngState, type RngState } from '../core/random';
import type { CheckpointFiles } from './modelIO';

export const TRAINING_STATE_FILE = 'training-state.json';
export const MOMENTUM_FILE = 'momentum.bin';

export interface TrainingState {
  /** The data generator at the epoch boundary the checkpoint continues from. */
  rng: RngState;
  /** Per trainable weight, in model order: its momentum buffer, or null when it has none yet. */
  momentum: (Float32Array | null)[];
}

interface StateJson {
  version: 1;
  rng: RngState;
  /** Per trainable weight: [offset, length] in float32 values into momentum.bin, or null. */
  momentum: ([number, number] | null)[];
}

/** The files that hold `state` (little-endian float32 buffers, back to back). */
export function trainingStateFiles(state: TrainingState): CheckpointFiles {
  const total = state.momentum.reduce((n, b) => n + (b?.length ?? 0), 0);
  const bin = new Float32Array(total);
  let at = 0;
  const index = state.momentum.map((b): [number, number] | null => {
    if (!b) return null;
    bin.set(b, at);
    at += b.length;
    return [at - b.length, b.length];
  });
  const json: StateJson = { version: 1, rng: state.rng, momentum: index };
  return { [MOMENTUM_FILE]: new Uint8Array(bin.buffer), [TRAINING_STATE_FILE]: JSON.stringify(json) };
}

/**
 * The training state saved in a checkpoint folder; null for checkpoints written before it was
 * saved. Throws when the files are present but damaged (the caller falls back to an older one).
 */
export function readTrainingState(dir: string): TrainingState | null {
  const jsonFile = join(dir, TRAINING_STATE_FILE);
  if (!existsSync(jsonFile)) return null;
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as Partial<StateJson>;
  if (json.version !== 1 || !isRngState(json.rng) || !Array.isArray(json.momentum))
    throw new Error(`${jsonFile}: not a training state this version can read`);
  const raw = readFileSync(join(dir, MOMENTUM_FILE));
  if (raw.byteLength % 4) throw new Error(`${join(dir, MOMENTUM_FILE)}: ${raw.byteLength} bytes is not a whole number of float32 values`);
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const momentum = json.momentum.map((e) => {
    if (e === null) return null;
    const [offset, length] = e;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > values.length)
      throw new Error(`${jsonFile}: a momentum buffer lies outside ${MOMENTUM_FILE}`);
    return values.slice(offset, offset + length);
  });
  return { rng: json.rng, momentum };
}
