// Study definitions: the scenarios each preset expands to, the schedule rules in one line each,
// and the study file's schema kept in step with the fields the CLI reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UserError } from '../core/userError';
import { DEFAULT_CONFIG } from '../cli/config';
import { checkStudySchedule, PRESETS, runName, scenariosOf } from './definition';
import type { StudyDefinition } from './types';
import { STUDY_PRESETS } from './types';

function definitionOf(preset: keyof typeof PRESETS): StudyDefinition {
  const f = PRESETS[preset].fields;
  const { decomposeAt, reconstructAt, finetuneAfterTraining, ...rest } = f;
  return {
    name: preset,
    preset,
    base: { ...DEFAULT_CONFIG, ...rest, decomposeAt: null, reconstructAt: null },
    decomposeAt,
    reconstructAt,
    finetuneAfterTraining,
  };
}

test("paper-table expands to the paper's eight scenarios with its optimizer", () => {
  const sc = scenariosOf(definitionOf('paper-table'));
  assert.deepEqual(
    sc.map((s) => s.key),
    [
      'original',
      'decompose-10',
      'decompose-20',
      'decompose-30',
      'decompose-40',
      'decompose-50',
      'decompose-10-reconstruct-190',
      'finetune-40',
    ],
  );
  const schedules = sc.map((s) => [s.config.decomposeAt, s.config.reconstructAt, s.config.finetuneAfterTraining]);
  assert.deepEqual(schedules, [
    [null, null, null],
    [10, null, null],
    [20, null, null],
    [30, null, null],
    [40, null, null],
    [50, null, null],
    [10, 190, null],
    [null, null, 40],
  ]);
  for (const s of sc) {
    assert.equal(s.config.model, 'vgg19');
    assert.equal(s.config.epochs, 200);
    assert.deepEqual([s.config.lr, s.config.lrMilestones, s.config.batchSize, s.config.weightDecay], [0.1, [100, 150], 128, 5e-4]);
    assert.equal(s.config.name, `paper-table-${s.key}`);
    assert.equal(s.status, 'pending');
    assert.equal(s.runId, null);
  }
  assert.equal(sc[7].label, 'original, then decomposed + 40 fine-tune');
});

test('every preset is a valid schedule; quick trains Fashion-MNIST on a subset', () => {
  for (const p of STUDY_PRESETS) checkStudySchedule({ ...PRESETS[p].fields });
  assert.equal(PRESETS.quick.fields.dataset, 'fashion-mnist');
  assert.ok(PRESETS.quick.fields.trainSubset! < 60000);
  assert.equal(scenariosOf(definitionOf('quick')).length, 5);
});

test('schedule refusals are one line naming the field', () => {
  const base = { epochs: 5, decomposeAt: [2], reconstructAt: null, finetuneAfterTraining: null };
  const refuse = (over: object, re: RegExp) =>
    assert.throws(
      () => checkStudySchedule({ ...base, ...over }),
      (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'),
    );
  refuse({ decomposeAt: [2, 5] }, /^--decompose-at: 5 must be below --epochs \(5\)/);
  refuse({ decomposeAt: [2, 2] }, /^--decompose-at: epoch 2 is listed twice/);
  refuse({ reconstructAt: 2 }, /^--reconstruct-at: 2 must be after --decompose-at \(2\).*first --decompose-at epoch/);
  refuse({ decomposeAt: [], reconstructAt: 4 }, /^--reconstruct-at: reconstruction needs a decomposition/);
  refuse({ epochs: 0 }, /^--epochs: must be a whole number ≥ 1/);
  refuse({ finetuneAfterTraining: 0 }, /^--finetune-after-training: must be a whole number ≥ 1/);
  assert.throws(
    () =>
      checkStudySchedule(
        { ...base, decomposeAt: [9] },
        { epochs: "s.json: 'epochs'", decomposeAt: "s.json: 'decomposeAt'", reconstructAt: 'r', finetuneAfterTraining: 'f' },
      ),
    /s\.json: 'decomposeAt': 9 must be below s\.json: 'epochs' \(5\)/,
  );
});

test('run names stay within the trainer rule (80 characters) and keep the scenario', () => {
  assert.equal(runName('quick-fashion-mnist', 'decompose-2'), 'quick-fashion-mnist-decompose-2');
  const long = runName('x'.repeat(60), 'decompose-10-reconstruct-190');
  assert.ok(long.length <= 80 && long.endsWith('-decompose-10-reconstruct-190'), long);
});

test('the study schema describes the study file fields, with the run-config schema for shared ones', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/study.schema.json', import.meta.url), 'utf8')) as {
    properties: Record<string, unknown>;
    additionalProperties: boolean;
  };
  const run = JSON.parse(readFileSync(new URL('../../schemas/run-config.schema.json', import.meta.url), 'utf8')) as {
    properties: Record<string, unknown>;
  };
  assert.equal(schema.additionalProperties, false);
  const fields = Object.keys(schema.properties).filter((k) => k !== '$schema');
  const presetFields = Object.keys(PRESETS.quick.fields);
  for (const k of presetFields) assert.ok(fields.includes(k), `schema has ${k}`);
  // Fields shared with run configs are copies (editors do not follow relative $refs reliably): keep them equal.
  const shared = Object.keys(schema.properties).filter(
    (k) => k in run.properties && !['$schema', 'name', 'epochs', 'decomposeAt', 'reconstructAt', 'finetuneAfterTraining'].includes(k),
  );
  for (const k of shared) assert.deepEqual(schema.properties[k], run.properties[k], `${k}: copy it from schemas/run-config.schema.json`);
  assert.equal(shared.length, 15);
  assert.deepEqual((schema.properties.preset as { enum: string[] }).enum, [...STUDY_PRESETS]);
});
