import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerReport, RanksReport } from './model/analyze';
import type { EpochMetrics, RunInfo } from './runs/types';
import {
  FromPreview,
  FromWebview,
  ToPreview,
  comparisonCurves,
  parseHostToPreviewMessage,
  parsePreviewMessage,
  parseWebviewMessage,
  type PreviewContentView,
} from './protocol';

test('parseWebviewMessage accepts exactly the known messages', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: FromWebview.Ready });
  assert.deepEqual(parseWebviewMessage({ type: 'stop', runId: '2025-01-01_small-cnn' }), {
    type: FromWebview.Stop,
    runId: '2025-01-01_small-cnn',
  });
  assert.deepEqual(
    parseWebviewMessage({ type: 'export', format: 'csv', extra: 1 }),
    { type: FromWebview.Export, format: 'csv' },
    'extra fields are dropped, not passed on',
  );
  assert.deepEqual(parseWebviewMessage({ type: 'setBaseline', runId: 'a b.c' }), { type: FromWebview.SetBaseline, runId: 'a b.c' });
});

test('parseWebviewMessage rejects malformed messages and run ids that could leave the runs directory', () => {
  const bad: unknown[] = [
    null,
    undefined,
    42,
    'stop',
    [],
    [{ type: 'ready' }],
    {},
    { type: 'unknown' },
    { type: 'STOP', runId: 'a' },
    { command: 'stop', runId: 'a' },
    { type: 'stop' },
    { type: 'stop', runId: 7 },
    { type: 'stop', runId: '' },
    { type: 'stop', runId: '../../etc' },
    { type: 'reveal', runId: 'a/b' },
    { type: 'reveal', runId: 'a\\b' },
    { type: 'stop', runId: '..' },
    { type: 'stop', runId: '.' },
    { type: 'stop', runId: 'x'.repeat(256) },
    { type: 'stop', runId: 'a\0b' },
    { type: 'export', format: 'pdf' },
    { type: 'export' },
  ];
  for (const m of bad) assert.equal(parseWebviewMessage(m), null, JSON.stringify(m));
});

test('parsePreviewMessage accepts exactly the preview panel messages', () => {
  assert.deepEqual(parsePreviewMessage({ type: 'previewReady' }), { type: FromPreview.Ready });
  assert.deepEqual(
    parsePreviewMessage({ type: 'previewStartTraining', extra: 1 }),
    { type: FromPreview.StartTraining },
    'extra fields are dropped',
  );
  assert.deepEqual(parsePreviewMessage({ type: 'previewRefresh' }), { type: FromPreview.Refresh });
  assert.deepEqual(parsePreviewMessage({ type: 'previewRevealLayer', layer: 'conv2d_1' }), {
    type: FromPreview.RevealLayer,
    layer: 'conv2d_1',
  });
  const bad: unknown[] = [
    null,
    'previewReady',
    [],
    {},
    { type: 'ready' },
    { type: 'startTraining' },
    { type: 'previewRevealLayer' },
    { type: 'previewRevealLayer', layer: '' },
    { type: 'previewRevealLayer', layer: 3 },
    { type: 'previewRevealLayer', layer: 'x'.repeat(513) },
    { type: 'previewContent', content: {} },
  ];
  for (const m of bad) assert.equal(parsePreviewMessage(m), null, JSON.stringify(m));
});

const LAYER: LayerReport = {
  name: 'conv2',
  type: 'Conv2D',
  kernel: [3, 3, 8, 16],
  cin: 8,
  cout: 16,
  inputSize: [28, 28],
  outputSize: [28, 28],
  k1: 3,
  k2: 5,
  rank: null,
  sigma2: { in: 0.01, out: null },
  skipped: null,
  estimate: false,
  params: { before: 1152, after: 240 },
  flops: { before: 903168, after: 188160 },
  compression: 4.8,
  speedup: 4.8,
};
const REPORT: RanksReport = {
  model: 'small-cnn',
  weightsRead: true,
  policy: 'vbmf',
  layers: [
    LAYER,
    {
      ...LAYER,
      name: 'dense',
      type: 'Dense',
      kernel: [64, 10],
      k1: null,
      k2: null,
      rank: 4,
      sigma2: 0.5,
      inputSize: null,
      outputSize: null,
      skipped: 'no gain',
      compression: 1,
      speedup: 1,
    },
  ],
  totals: {
    params: { before: 1792, after: 880 },
    flops: { before: 903808, after: 188800 },
    compression: 2.0,
    speedup: 4.8,
    decomposed: 1,
    skipped: 1,
  },
};
const CONTENT: PreviewContentView = {
  title: 'Preview decomposition: small-cnn/model.json',
  file: 'models/small-cnn/model.json',
  state: { kind: 'ready', report: REPORT },
  canTrain: true,
  highlight: 'conv2',
};

test('parseHostToPreviewMessage accepts the content and highlight messages, as they come through postMessage', () => {
  const wire = (m: unknown): unknown => JSON.parse(JSON.stringify(m));
  assert.deepEqual(parseHostToPreviewMessage(wire({ type: ToPreview.Content, content: CONTENT })), {
    type: ToPreview.Content,
    content: CONTENT,
  });
  assert.deepEqual(parseHostToPreviewMessage({ type: 'previewHighlight', layer: 'conv2', x: 1 }), {
    type: ToPreview.Highlight,
    layer: 'conv2',
  });
  for (const state of [{ kind: 'computing' }, { kind: 'error', message: 'weights.bin not found' }] as const) {
    const content: PreviewContentView = { title: 't', file: 'f', state, canTrain: false, note: 'first 3 of 4 layers' };
    assert.deepEqual(parseHostToPreviewMessage(wire({ type: 'previewContent', content: { ...content, extra: true } })), {
      type: ToPreview.Content,
      content,
    });
  }
  // An infinite ratio (nothing left after) crosses postMessage as null and reads back as Infinity.
  const inf = wire({
    type: 'previewContent',
    content: { ...CONTENT, state: { kind: 'ready', report: { ...REPORT, totals: { ...REPORT.totals, compression: Infinity } } } },
  });
  const back = parseHostToPreviewMessage(inf);
  assert.ok(back?.type === ToPreview.Content && back.content.state.kind === 'ready');
  assert.equal(back.content.state.report.totals.compression, Infinity);
});

test('parseHostToPreviewMessage rejects anything else', () => {
  const ready = (report: unknown): unknown => ({ type: 'previewContent', content: { ...CONTENT, state: { kind: 'ready', report } } });
  const bad: unknown[] = [
    null,
    undefined,
    7,
    'previewContent',
    [],
    {},
    { type: 'run', run: null },
    { type: 'previewHighlight' },
    { type: 'previewHighlight', layer: '' },
    { type: 'previewContent' },
    { type: 'previewContent', content: null },
    { type: 'previewContent', content: { ...CONTENT, title: 1 } },
    { type: 'previewContent', content: { ...CONTENT, canTrain: 'yes' } },
    { type: 'previewContent', content: { ...CONTENT, highlight: 3 } },
    { type: 'previewContent', content: { ...CONTENT, note: null } },
    { type: 'previewContent', content: { ...CONTENT, state: { kind: 'done' } } },
    { type: 'previewContent', content: { ...CONTENT, state: { kind: 'error' } } },
    ready(null),
    ready({ ...REPORT, layers: 'x' }),
    ready({ ...REPORT, totals: null }),
    ready({ ...REPORT, weightsRead: 1 }),
    ready({ ...REPORT, layers: [{ ...LAYER, type: 'LSTM' }] }),
    ready({ ...REPORT, layers: [{ ...LAYER, k1: '3' }] }),
    ready({ ...REPORT, layers: [{ ...LAYER, params: { before: 1 } }] }),
    ready({ ...REPORT, layers: [{ ...LAYER, kernel: [3, '3'] }] }),
    ready({ ...REPORT, layers: [{ ...LAYER, sigma2: 'x' }] }),
    ready({ ...REPORT, layers: [{ ...LAYER, inputSize: [28] }] }),
  ];
  for (const m of bad) assert.equal(parseHostToPreviewMessage(m), null, JSON.stringify(m));
});

test('comparisonCurves: validation accuracy and loss per epoch, the training ones for epochs without validation', () => {
  const metric = (epoch: number, val: boolean) =>
    ({
      epoch,
      seconds: epoch * 10,
      trainAccuracy: 0.5 + epoch / 100,
      trainLoss: 1 / epoch,
      valAccuracy: val ? 0.6 + epoch / 100 : null,
      valLoss: val ? 2 / epoch : null,
    }) as unknown as EpochMetrics;
  const info = { id: 'r1', name: 'run one' } as unknown as RunInfo;
  const [c] = comparisonCurves([{ info, metrics: [metric(1, true), metric(2, false)] }]);
  assert.deepEqual(c, { id: 'r1', name: 'run one', epochs: [1, 2], seconds: [10, 20], accuracy: [0.61, 0.52], loss: [2, 0.5] });
});
