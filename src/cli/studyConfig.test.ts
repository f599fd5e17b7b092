// Study resolution: preset < study file < flags, and refusals that name the flag or the file's field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/support/backend';
import { UserError } from '../core/userError';
import { resolveStudy, STUDY_FILE_FIELDS } from './studyConfig';

function studyFile(fields: object): string {
  const file = join(tempDir('tucker-studycfg-'), 'mine.study.json');
  writeFileSync(file, JSON.stringify({ $schema: '../schemas/study.schema.json', ...fields }));
  return file;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    assert.ok(!e.message.includes('\n'));
    return e.message;
  }
  assert.fail('expected a refusal');
}

test('a preset with flag overrides', () => {
  const runsDir = tempDir('tucker-studycfg-');
  const d = resolveStudy(
    { preset: 'smoke', epochs: '4', 'decompose-at': '1,3', 'reconstruct-at': 'none', lr: '0.02', 'runs-dir': runsDir },
    null,
  );
  assert.equal(d.preset, 'smoke');
  assert.equal(d.name, 'smoke-synthetic');
  assert.deepEqual(
    [d.base.epochs, d.base.lr, d.base.dataset, d.base.rankPolicy, d.base.runsDir],
    [4, 0.02, 'synthetic', 'ratio:0.5', runsDir],
  );
  assert.deepEqual([d.decomposeAt, d.reconstructAt, d.finetuneAfterTraining], [[1, 3], null, 1]);
  assert.equal(d.base.decomposeAt, null, 'the base is the original schedule');
});

test('a study file over its preset, flags over the file', () => {
  const runsDir = tempDir('tucker-studycfg-');
  const file = studyFile({ preset: 'smoke', name: 'mine', epochs: 6, decomposeAt: [2, 4], reconstructAt: 5, trainSubset: 100, runsDir });
  const d = resolveStudy({ epochs: '7' }, file);
  assert.equal(d.name, 'mine');
  assert.deepEqual([d.base.epochs, d.base.trainSubset, d.decomposeAt, d.reconstructAt], [7, 100, [2, 4], 5]);
  const plain = resolveStudy({ 'runs-dir': runsDir }, studyFile({ dataset: 'synthetic', epochs: 3, decomposeAt: [1] }));
  assert.equal(plain.preset, null, 'a file without a preset starts from the trainer defaults');
  assert.equal(plain.base.model, 'small-cnn');
  assert.deepEqual(plain.decomposeAt, [1]);
});

test("refusals name the flag, or the file's field when the value came from the file", () => {
  const runsDir = tempDir('tucker-studycfg-');
  assert.match(
    refusal(() => resolveStudy({ preset: 'huge', 'runs-dir': runsDir }, null)),
    /^--preset: unknown preset 'huge'; use one of quick, paper-table, smoke/,
  );
  const f1 = studyFile({ preset: 'smoke', lr: -1, runsDir });
  assert.equal(
    refusal(() => resolveStudy({}, f1)),
    `${f1}: 'lr': -1 must be greater than 0`,
  );
  assert.match(
    refusal(() => resolveStudy({ lr: '-2', 'runs-dir': runsDir }, f1)),
    /^--lr: -2 must be greater than 0/,
  );
  const f2 = studyFile({ preset: 'smoke', epochs: 4, decomposeAt: [7], runsDir });
  assert.match(
    refusal(() => resolveStudy({}, f2)),
    new RegExp(`^${f2.replace(/[.\\/]/g, '\\$&')}: 'decomposeAt': 7 must be below .*'epochs' \\(4\\)`),
  );
  const f3 = studyFile({ preset: 'smoke', epochs: '4' });
  assert.equal(
    refusal(() => resolveStudy({}, f3)),
    `${f3}: 'epochs' must be a number, got "4"`,
  );
  const f4 = studyFile({ preset: 'smoke', decomposeAfter: 3 });
  assert.match(
    refusal(() => resolveStudy({}, f4)),
    /: unknown field 'decomposeAfter'; allowed: name, preset, model/,
  );
  assert.match(
    refusal(() => resolveStudy({ 'decompose-at': '1,x', 'runs-dir': runsDir }, null)),
    /^--decompose-at: 'x' is not an epoch/,
  );
  assert.match(
    refusal(() => resolveStudy({ preset: 'smoke', 'train-subset': '300', 'runs-dir': runsDir }, null)),
    /^--train-subset: 300 is more than the 256 training images of 'synthetic'/,
  );
});

test('the study schema lists exactly the fields a study file may have', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/study.schema.json', import.meta.url), 'utf8')) as {
    properties: Record<string, unknown>;
  };
  assert.deepEqual(
    Object.keys(schema.properties)
      .filter((k) => k !== '$schema')
      .sort(),
    Object.keys(STUDY_FILE_FIELDS).sort(),
  );
});
