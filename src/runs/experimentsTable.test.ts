import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns } from './compare';
import { COLUMNS, filterRows, nextSort, shortSpec, shownColumns, sortRows } from './experimentsTable';
import { sampleConfig, sampleMetrics, sampleRunInfo } from '../../test/support/runFixtures';

const rows = compareRuns(
  [
    { info: sampleRunInfo('a', { name: 'alpha', config: sampleConfig({ decomposeAt: null, lr: 0.05 }), tags: ['baseline'] }), metrics: sampleMetrics(6, null) },
    { info: sampleRunInfo('b', { name: 'Bravo', config: sampleConfig({ rankPolicy: 'stable:2', lr: 0.1 }), starred: true }), metrics: sampleMetrics(6, 2) },
    { info: sampleRunInfo('c', { name: 'charlie', status: 'failed', config: sampleConfig({ dataset: 'cifar10:/data/cifar', lr: 0.01 }) }), metrics: [] },
  ],
  'a',
).rows;
const ids = (rs: { id: string }[]) => rs.map((r) => r.id).join('');

test('sorting: text ascending, numbers best first, a second click flips, missing values last both ways', () => {
  assert.equal(ids(sortRows(rows, nextSort(null, 'name'))), 'abc', 'case-insensitive names');
  assert.equal(ids(sortRows(rows, { column: 'name', descending: true })), 'cba');
  const lr = nextSort(null, 'lr');
  assert.deepEqual(lr, { column: 'lr', descending: true });
  assert.equal(ids(sortRows(rows, lr)), 'bac');
  assert.equal(ids(sortRows(rows, nextSort(lr, 'lr'))), 'cab');
  const time = sortRows(rows, { column: 'time', descending: false });
  assert.equal(time[time.length - 1].id, 'c', 'no time: last ascending');
  assert.equal(sortRows(rows, { column: 'time', descending: true }).at(-1)!.id, 'c', 'and last descending');
  assert.equal(ids(sortRows(rows, null)), 'abc');
});

test('filtering: every word must match some cell, tag or id; column:value words match that column', () => {
  assert.equal(ids(filterRows(rows, '')), 'abc');
  assert.equal(ids(filterRows(rows, 'STABLE')), 'b');
  assert.equal(ids(filterRows(rows, 'baseline')), 'a', 'a tag (and the baseline mark)');
  assert.equal(ids(filterRows(rows, 'cifar failed')), 'c');
  assert.equal(ids(filterRows(rows, 'cifar completed')), '');
  assert.equal(ids(filterRows(rows, 'status:completed')), 'ab');
  assert.equal(ids(filterRows(rows, 'ranks:vbmf')), 'ac', 'by the column title');
});

test('the column chooser: defaults, a saved choice in table order, unknown ids dropped', () => {
  assert.deepEqual(
    shownColumns(undefined).map((c) => c.id),
    COLUMNS.filter((c) => c.shownByDefault).map((c) => c.id),
  );
  assert.deepEqual(shownColumns(['speedup', 'name', 'nonsense']).map((c) => c.id), ['name', 'speedup']);
  assert.deepEqual(shownColumns(['nonsense']).map((c) => c.id), ['name'], 'never an empty table');
  for (const id of ['status', 'model', 'dataset', 'epochs', 'scenario', 'rankPolicy', 'backend', 'lr', 'batch', 'best', 'final', 'params', 'time', 'speedup', 'change'])
    assert.ok(shownColumns(undefined).some((c) => c.id === id), id);
});

test('cells: starred names, the baseline, shortened paths', () => {
  const name = COLUMNS.find((c) => c.id === 'name')!;
  assert.equal(name.text(rows[0]), 'alpha (baseline)');
  assert.equal(name.text(rows[1]), '★ Bravo');
  assert.equal(shortSpec('cifar10:/data/sets/cifar'), 'cifar10:…/cifar');
  assert.equal(shortSpec('/home/u/models/wide/model.json'), 'wide/model.json');
  assert.equal(shortSpec('C:\\models\\wide\\model.json'), 'wide/model.json');
  assert.equal(shortSpec('mnist'), 'mnist');
});
