import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerReport, RanksReport } from '../../src/model/analyze';
import { FromPreview, type PreviewContentView } from '../../src/protocol';
import { PREVIEW_HEADERS, previewModel } from './previewModel';

const conv = (name: string, over: Partial<LayerReport> = {}): LayerReport => ({
  name,
  type: 'Conv2D',
  kernel: [3, 3, 16, 32],
  cin: 16,
  cout: 32,
  inputSize: [14, 14],
  outputSize: [7, 7],
  k1: 4,
  k2: 6,
  rank: null,
  sigma2: null,
  skipped: null,
  estimate: false,
  params: { before: 4608, after: 1352 },
  flops: { before: 225792, after: 66248 },
  compression: 3.408,
  speedup: 3.408,
  ...over,
});
const REPORT: RanksReport = {
  model: 'm',
  weightsRead: true,
  policy: 'vbmf',
  layers: [
    conv('conv1', {
      kernel: [3, 3, 1, 16],
      cin: 1,
      cout: 16,
      k1: 0,
      k2: 0,
      skipped: 'EVBMF found no signal above noise',
      compression: 1,
      speedup: 1,
    }),
    conv('conv3'),
    conv('dw', { type: 'DepthwiseConv2D', k1: null, k2: null, skipped: 'DepthwiseConv2D is not decomposed' }),
    conv('dense', {
      type: 'Dense',
      kernel: [1568, 10],
      cin: 1568,
      cout: 10,
      k1: null,
      k2: null,
      rank: 5,
      params: { before: 15680, after: 7890 },
      flops: { before: 15680, after: 7890 },
      compression: 1.987,
      speedup: Infinity,
    }),
  ],
  totals: {
    params: { before: 20432, after: 9386 },
    flops: { before: 241616, after: 74282 },
    compression: 2.177,
    speedup: 3.25,
    decomposed: 2,
    skipped: 2,
  },
};
const content = (over: Partial<PreviewContentView> = {}): PreviewContentView => ({
  title: 'Preview decomposition: small-cnn/model.json',
  file: 'models/small-cnn/model.json',
  state: { kind: 'ready', report: REPORT },
  canTrain: true,
  ...over,
});

test('previewModel: the rank table with the columns of `tucker-train ranks`, the totals and the legend', () => {
  const m = previewModel(content({ highlight: 'conv3' }));
  assert.equal(m.title, 'Preview decomposition: small-cnn/model.json');
  assert.equal(m.file, 'models/small-cnn/model.json');
  assert.deepEqual(
    [...PREVIEW_HEADERS],
    ['layer', 'kernel', 'Cin→Cout', 'K1', 'K2', 'rank', 'params before → after', 'FLOPs before → after', 'M', 'E', ''],
  );
  assert.ok(m.body.kind === 'table');
  assert.deepEqual(m.body.source, [{ text: 'ranks from the weights, policy ' }, { text: 'vbmf', bold: true }]);
  const [c1, c3, dw, dense] = m.body.rows;
  // The e2e test reads a row's text: name, kernel, Cin→Cout, K1, K2 run together.
  assert.equal(c3.cells.map((c) => c.text).join(''), 'conv33×316→3246–4,608 → 1,352225,792 → 66,2483.4×3.4×');
  assert.deepEqual(c3.cells[0], { text: 'conv3', layer: 'conv3' });
  assert.deepEqual(c3.classes, ['highlight']);
  assert.deepEqual(c1.classes, ['skipped']);
  assert.deepEqual(
    c1.cells.slice(3, 6).map((c) => c.text),
    ['0', '0', '–'],
  );
  assert.deepEqual(
    c1.cells.slice(8).map((c) => c.text),
    ['–', '–', 'skipped: EVBMF found no signal above noise'],
  );
  assert.equal(dw.cells[1].text, '3×3 DepthwiseConv2D');
  assert.deepEqual(
    dense.cells.slice(1, 6).map((c) => c.text),
    ['dense', '1568→10', '–', '–', '5'],
  );
  assert.deepEqual(
    dense.cells.slice(8, 10).map((c) => c.text),
    ['2.0×', '∞×'],
  );
  assert.ok(dense.cells.slice(3, 10).every((c) => c.num));
  assert.deepEqual(
    m.body.total.map((c) => c.text),
    ['total', '', '', '', '', '', '20,432 → 9,386', '241,616 → 74,282', '2.2×', '3.3×', '2 decomposed, 2 skipped'],
  );
  assert.match(m.body.legend, /^M = parameter compression \(eq\. 10\), E = speedup in multiply-accumulates \(eq\. 11\)/);
  assert.equal(m.note, null);
});

test('previewModel: the buttons, estimates, computing and error states', () => {
  assert.deepEqual(previewModel(content()).buttons, [
    { action: FromPreview.StartTraining, label: 'Start decomposed training from this model', secondary: false },
    { action: FromPreview.Refresh, label: 'Refresh', secondary: true },
  ]);
  const src = previewModel(
    content({
      canTrain: false,
      note: 'Shapes followed for the first 3 of 4 layers.',
      state: { kind: 'ready', report: { ...REPORT, weightsRead: false, policy: 'ratio:0.25' } },
    }),
  );
  assert.deepEqual(
    src.buttons.map((b) => b.action),
    [FromPreview.Refresh],
  );
  assert.equal(src.note, 'Shapes followed for the first 3 of 4 layers.');
  assert.ok(src.body.kind === 'table');
  assert.deepEqual(src.body.source, [
    { text: 'estimates', bold: true },
    { text: ' from the shapes only (no weights read), policy ' },
    { text: 'ratio:0.25', bold: true },
  ]);
  assert.deepEqual(previewModel(content({ state: { kind: 'computing' } })).body, {
    kind: 'busy',
    text: 'Computing ranks from the weights…',
  });
  assert.deepEqual(previewModel(content({ state: { kind: 'error', message: '<b>not</b> found' } })).body, {
    kind: 'error',
    text: '<b>not</b> found',
  });
});
