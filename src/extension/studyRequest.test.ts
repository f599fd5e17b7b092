// "Run decomposition study": the trainer's arguments, the palette's choices (the CLI presets), and
// the progress text of a study in the Runs tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleConfig } from '../../test/support/runFixtures';
import { PRESETS } from '../study/definition';
import { STUDY_PRESETS, type StudyRecord } from '../study/types';
import { STUDY_CHOICES, studyArgs, studyDescription, studyView } from './studyRequest';

test('the study command line: a preset or a file, the data set only when chosen, always --ipc', () => {
  assert.deepEqual(studyArgs({ preset: 'quick', dataset: null, backend: 'auto', runsDir: '/w/runs' }), [
    'study',
    '--preset',
    'quick',
    '--backend',
    'auto',
    '--runs-dir',
    '/w/runs',
    '--ipc',
  ]);
  assert.deepEqual(studyArgs({ preset: 'paper-table', dataset: 'cifar10:/data/c10', backend: 'wasm', runsDir: '/r' }).slice(0, 5), [
    'study',
    '--preset',
    'paper-table',
    '--dataset',
    'cifar10:/data/c10',
  ]);
  assert.deepEqual(studyArgs({ preset: null, studyFile: '/w/a.study.json', dataset: null, backend: 'auto', runsDir: '/r' }).slice(0, 2), [
    'study',
    '/w/a.study.json',
  ]);
});

test('the palette offers every CLI preset, described by its summary', () => {
  assert.deepEqual(STUDY_CHOICES.map((c) => c.preset).sort(), [...STUDY_PRESETS].sort());
  for (const c of STUDY_CHOICES) assert.equal(c.detail, PRESETS[c.preset].summary);
});

function record(status: StudyRecord['status'], runIds: (string | null)[]): StudyRecord {
  const labels = ['original', 'decomposed after 2', 'decomposed after 3'];
  return {
    version: 1,
    id: 's1',
    name: 'quick-fashion-mnist',
    createdAt: '2025-01-01T00:00:00Z',
    endedAt: null,
    status,
    pid: 123,
    host: 'h',
    definition: { name: 'q', preset: 'quick', base: sampleConfig(), decomposeAt: [2, 3], reconstructAt: null, finetuneAfterTraining: null },
    scenarios: runIds.map((runId, i) => ({
      key: `k${i}`,
      label: labels[i],
      config: sampleConfig(),
      runId,
      status: runId ? 'running' : 'pending',
    })),
    report: null,
    error: null,
  };
}

test("a study's progress in the tree: the scenario training now and its epoch; interrupted when its process is gone", () => {
  const r = record('running', ['a', 'b', null]);
  const status = (id: string) => ({ a: 'completed', b: 'running' })[id] ?? null;
  const v = studyView(r, status, true);
  assert.deepEqual(v, { status: 'running', done: 1, total: 3, current: 1 });
  assert.equal(studyDescription(r, v, { epoch: 3, total: 5 }), 'running · scenario 2/3: decomposed after 2 · epoch 3/5');
  const gone = studyView(r, (id) => (id === 'b' ? 'failed' : status(id)), false);
  assert.deepEqual(gone, { status: 'interrupted', done: 2, total: 3, current: null });
  assert.equal(studyDescription(r, gone, null), 'interrupted · 2/3 scenarios done');
  const done = record('completed', ['a', 'b', 'c']);
  assert.equal(
    studyDescription(
      done,
      studyView(done, () => 'completed', false),
      null,
    ),
    'completed · 3 scenarios',
  );
});
