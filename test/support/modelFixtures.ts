// The model fixtures (fixtures/models) and helpers shared by the model.json, weights and shapes tests.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/userError';
import type { ModelFile } from '../../src/model/modelJson';
import { inferShapes } from '../../src/model/shapes';

export const FIX = join(__dirname, '..', '..', 'fixtures', 'models');
export const SMALL = join(FIX, 'small-cnn', 'model.json');
export const RESID = join(FIX, 'residual-concat', 'model.json');
export const NOW = join(FIX, 'no-weights', 'model.json');

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tt-model-'));
}

/** Every layer's inferred output shape, by layer name. */
export function outShapes(m: ModelFile, inputSize?: [number, number]): Record<string, unknown> {
  const s = inferShapes(m, { inputSize });
  return Object.fromEntries([...s].map(([k, v]) => [k, v.outputShape]));
}

/** Asserts that `p` rejects (or throws) a one-line UserError matching `re`. */
export async function rejects(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: unknown) => {
      assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
      assert.match(e.message, re);
      assert.equal(e.message.split('\n').length, 1, 'one line');
      return true;
    },
  );
}
