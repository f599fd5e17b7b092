import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRankPolicy } from '../../core/rankPolicy';
import { analyzeModel, type LayerReport, type RanksReport } from '../../model/analyze';
import { lineColumn } from '../../model/source/lines';
import { FromPreview } from '../../protocol';
import { previewModel } from '../../../webview/preview/previewModel';
import { analyzeSourceModels, hoverAt, jsonModelView, shortReason, sourceModelView } from './lensText';
import { renderPreviewHtml } from './previewHtml';

const FIX = join(__dirname, '..', '..', '..', 'fixtures', 'models');
const SMALL = join(FIX, 'small-cnn', 'model.json');
const PLANTED = JSON.parse(readFileSync(join(FIX, 'small-cnn', 'planted-ranks.json'), 'utf8')) as Record<
  string,
  { k1?: number; k2?: number; rank?: number }
>;

test('small-cnn model.json: a lens per Conv2D/Dense with the planted ranks, totals and Preview at the top', async () => {
  const text = readFileSync(SMALL, 'utf8');
  const report = await analyzeModel(SMALL, { policy: parseRankPolicy('vbmf') });
  const v = jsonModelView(text, SMALL, { kind: 'ready', report, ms: 12 });
  const titles = v.lenses.map((l) => l.title);
  assert.match(titles[0], /^Tucker-2: 4 of 5 layers decomposed · params 23,048 → 5,543 \(÷4\.2\) · FLOPs ÷4\.3 · EVBMF on the weights$/);
  assert.equal(titles[1], 'Preview decomposition');
  for (const name of ['conv2', 'conv3', 'conv4']) {
    const p = PLANTED[name];
    assert.ok(
      titles.some((t) => t.startsWith(`${name}: Tucker K1=${p.k1} K2=${p.k2} · params ÷`)),
      `${name} in ${titles.join('\n')}`,
    );
  }
  assert.ok(titles.includes(`dense: SVD rank ${PLANTED.dense.rank} · params ÷2.5 · FLOPs ÷2.5`));
  assert.ok(titles.some((t) => t.startsWith('conv1: skipped (K1=0 K2=0): EVBMF found no structure above noise')));
  assert.equal(
    titles.find((t) => t.startsWith('conv2:')),
    'conv2: Tucker K1=3 K2=5 · params ÷4.8 · FLOPs ÷4.8',
  );
  // Hover inside conv3's object: the breakdown.
  const at = text.indexOf('"name":"conv3"');
  const h = hoverAt(v, at)!;
  assert.match(h.markdown, /`conv3` \(Conv2D\)/);
  assert.match(h.markdown, /\| Input \/ output size \| 14×14 \/ 7×7 \|/);
  assert.match(h.markdown, /EVBMF σ² \(input, output mode\) \| \d\.\d{3}e[-+]\d+, \d\.\d{3}e[-+]\d+/);
  assert.match(h.markdown, /the layer's weights/);
});

test('pretty-printed: lenses sit on each layer line without the name; estimates are labelled', async () => {
  const pretty = JSON.stringify(JSON.parse(readFileSync(SMALL, 'utf8')), null, 2);
  const report = await analyzeModel(SMALL, { policy: parseRankPolicy('ratio:0.25'), weights: false });
  const v = jsonModelView(pretty, SMALL, { kind: 'ready', report, ms: 1 });
  const conv4 = v.lenses.find((l) => l.action.kind === 'preview' && l.action.layer === 'conv4')!;
  assert.equal(conv4.title, 'estimate · Tucker K1=8 K2=8 · params ÷8.5 · FLOPs ÷6.9');
  assert.match(pretty.split('\n')[lineColumn(pretty, conv4.offset).line + 1], /"class_name": "Conv2D"/);
  assert.match(v.lenses[0].title, /estimate from shapes \(ratio:0\.25, no weights\)/);
});

test('computing, errors and malformed JSON: one lens, never a throw', () => {
  const text = readFileSync(SMALL, 'utf8');
  assert.deepEqual(
    jsonModelView(text, SMALL, { kind: 'computing' }).lenses.map((l) => l.title),
    ['$(sync~spin) Tucker: computing ranks from the weights…'],
  );
  const err = jsonModelView(text, SMALL, { kind: 'error', message: `${SMALL}: weight file listed in ${SMALL} not found` });
  assert.deepEqual(
    err.lenses.map((l) => l.title),
    ['$(warning) Tucker: weight file listed in model.json not found'],
  );
  const bad = jsonModelView('{\n  "modelTopology": {\n    "x": [1,, 2]\n  }\n}', SMALL, { kind: 'computing' });
  assert.equal(bad.lenses.length, 1);
  assert.match(bad.lenses[0].title, /not valid JSON at line 3, column 13/);
  assert.deepEqual(jsonModelView('{"name": "pkg"}', SMALL, { kind: 'computing' }).lenses, []);
  assert.equal(shortReason('a 1×1 convolution: Tucker-2 does not apply (the paper)'), 'a 1×1 convolution');
});

test('TypeScript source: estimate lenses on the conv2d calls, the cut explained, Preview table', async () => {
  const src = `import * as tf from '@tensorflow/tfjs';
const model = tf.sequential();
model.add(tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 64, kernelSize: 3, padding: 'same' }));
model.add(tf.layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same' }));
model.add(tf.layers.conv2d({ filters: 64, kernelSize: 1 }));
model.add(tf.layers.conv2d({ filters: n, kernelSize: 3 }));
`;
  const analyses = await analyzeSourceModels(src, '/w/model.ts', { policy: parseRankPolicy('vbmf') });
  const v = sourceModelView(analyses);
  const byLine = new Map(v.lenses.map((l) => [lineColumn(src, l.offset).line, l.title]));
  assert.match(byLine.get(1)!, /^Preview decomposition$|Tucker-2/);
  assert.equal(byLine.get(3), 'estimate · Tucker K1=16 K2=32 · params ÷7.6 · FLOPs ÷7.6');
  // A 1×1 conv stays as it is, with its SVD split rank as a hint (--decompose-pointwise makes it).
  assert.equal(byLine.get(4), 'estimate · skipped (rank 16): a 1×1 convolution');
  assert.equal(byLine.get(5), "$(info) Tucker: 'filters' is not a literal value, so shapes are not followed from here");
  assert.ok(v.lenses.some((l) => /first 3 of 4 layers/.test(l.title)));
  // The preview panel: the table the webview renders from the content message, in a page under a nonce CSP.
  const preview = previewModel({
    title: 'Preview',
    file: 'model.ts',
    state: { kind: 'ready', report: analyses[0].report! },
    canTrain: false,
    highlight: 'conv2d_2',
  });
  assert.ok(preview.body.kind === 'table');
  const row = preview.body.rows.find((r) => r.layer === 'conv2d_2')!;
  assert.deepEqual(row.classes, ['highlight']);
  const html = renderPreviewHtml({
    nonce: 'NONCE',
    cspSource: 'vscode-resource:',
    scriptUri: 'vscode-resource:/dist/preview.js',
    styleUri: 'vscode-resource:/dist/preview.css',
  });
  assert.match(html, /script-src 'nonce-NONCE'/);
  assert.ok(!preview.buttons.some((b) => b.action === FromPreview.StartTraining || /Start decomposed training/.test(b.label)));
  assert.deepEqual(preview.body.source[0], { text: 'estimates', bold: true });
});

test('a 20,000-layer model.json (2 MB): a lens and a hover per layer, each on its own line, in one pass', () => {
  const n = 20_000;
  const layers = Array.from({ length: n }, (_, i) => ({ class_name: 'Dense', config: { name: `d_${i}`, units: 4, trainable: true } }));
  const text = JSON.stringify(
    { format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { name: 'big', layers } } },
    null,
    2,
  );
  const layer = (name: string): LayerReport => ({
    name,
    type: 'Dense',
    kernel: [4, 4],
    cin: 4,
    cout: 4,
    inputSize: null,
    outputSize: null,
    k1: null,
    k2: null,
    rank: 2,
    sigma2: null,
    skipped: null,
    estimate: true,
    params: { before: 16, after: 16 },
    flops: { before: 16, after: 16 },
    compression: 1,
    speedup: 1,
  });
  const report: RanksReport = {
    model: 'big',
    weightsRead: false,
    policy: 'ratio:0.25',
    layers: layers.map((l) => layer(l.config.name)),
    totals: {
      params: { before: 16 * n, after: 16 * n },
      flops: { before: 16 * n, after: 16 * n },
      compression: 1,
      speedup: 1,
      decomposed: n,
      skipped: 0,
    },
  };
  // Its speed is a benchmark (test/e2e/bench-lens.ts), not an assertion: this machine is shared.
  const v = jsonModelView(text, '/w/model.json', { kind: 'ready', report, ms: 1 });
  assert.equal(v.lenses.length, n + 2);
  assert.equal(v.hovers.length, n);
  const lines = text.split('\n');
  for (const i of [0, 7, 12_345, n - 1]) {
    const lens = v.lenses.find((l) => l.action.kind === 'preview' && l.action.layer === `d_${i}`)!;
    assert.equal(lens.title, 'estimate · SVD rank 2 · params ÷1.0 · FLOPs ÷1.0', 'no name prefix: one layer per line');
    assert.equal(lines[lineColumn(text, lens.offset).line], '        {');
    assert.match(lines[lineColumn(text, lens.offset).line + 3], new RegExp(`"name": "d_${i}"`));
    assert.match(hoverAt(v, lens.offset + 2)!.markdown, new RegExp(`\`d_${i}\` \\(Dense\\)`));
  }
});

test('hovers show layer names and reasons from the file as text, never as Markdown', async () => {
  const { layerHoverMarkdown } = await import('./lensText');
  const report = await analyzeModel(SMALL, { policy: parseRankPolicy('vbmf') });
  const l = { ...report.layers[0], name: 'x` ![p](https://evil.example/p.png) `y', skipped: 'kept: [link](https://evil.example) <b>' };
  const md = layerHoverMarkdown(l, report);
  assert.match(
    md,
    /\| Layer \| ``x` !\[p\]\(https:\/\/evil\.example\/p\.png\) `y`` \(Conv2D\) \|/,
    'the name sits in a code span it cannot close',
  );
  assert.match(md, /Skipped: kept\\: \\\[link\\\]\\\(https\\:\/\/evil\\\.example\\\) \\<b\\>/);
});
