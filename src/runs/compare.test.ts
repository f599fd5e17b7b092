import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, comparisonToCsv, comparisonToMarkdown, defaultBaseline, describeScenario, formatChange } from './compare';
import { sampleConfig, sampleMetrics, sampleRunInfo } from '../../test/support/runFixtures';

const baseline = { info: sampleRunInfo('base', { name: 'VGG19 original', config: sampleConfig({ decomposeAt: null }) }), metrics: sampleMetrics(10, null) };
const decomposed = { info: sampleRunInfo('dec', { name: 'VGG19 | tucker', config: sampleConfig({ decomposeAt: 2, reconstructAt: 8 }) }), metrics: sampleMetrics(10, 2) };

test('compareRuns computes speedup and accuracy change against the baseline', () => {
  const c = compareRuns([decomposed, baseline]);
  assert.equal(defaultBaseline([decomposed, baseline]), 'base');
  assert.equal(c.baselineId, 'base');
  const [d, b] = c.rows;
  assert.equal(b.isBaseline, true);
  assert.equal(b.speedup, 1);
  assert.equal(b.trainingSeconds, 100);
  assert.equal(d.trainingSeconds, 2 * 10 + 8 * 6);
  assert.ok(Math.abs(d.speedup! - 100 / 68) < 1e-12);
  assert.equal(d.accuracyChange, 0);
  assert.equal(d.paramsOriginal, 100000);
  assert.equal(d.paramsFinal, 40000);
  assert.equal(d.scenario, 'decomposed after epoch 2 (vbmf), reconstructed after 8');
  assert.ok(d.bestAccuracy! > 0.9);
});

test('compareRuns with an explicit baseline, with empty runs and with no runs', () => {
  const empty = { info: sampleRunInfo('empty', { status: 'failed' }), metrics: [] };
  const c = compareRuns([baseline, decomposed, empty], 'dec');
  assert.equal(c.rows[1].isBaseline, true);
  assert.ok(c.rows[0].speedup! < 1);
  assert.equal(c.rows[2].finalAccuracy, null);
  assert.equal(c.rows[2].speedup, null);
  assert.deepEqual(compareRuns([]), { baselineId: null, rows: [] });
  assert.equal(describeScenario(sampleConfig({ decomposeAt: null })), 'original (no decomposition)');
  assert.equal(formatChange(-1.234), '−1.23 pp');
});

test('Markdown and CSV exports escape their separators and keep raw numbers in CSV', () => {
  const c = compareRuns([baseline, decomposed]);
  const md = comparisonToMarkdown(c);
  const lines = md.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^\| Run \| Scenario \|/);
  assert.match(lines[3], /VGG19 \\\| tucker/);
  assert.match(lines[3], /1\.47×/);
  assert.match(lines[2], /1\.00× \(baseline\)/);
  const csv = comparisonToCsv(c).trim().split('\r\n');
  assert.equal(csv.length, 3);
  assert.match(csv[0], /^id,name,scenario/);
  const row = csv[2];
  assert.match(row, /^dec,VGG19 \| tucker,"decomposed after epoch 2 \(vbmf\), reconstructed after 8",completed,10,/);
  assert.match(row, /,68,1\.47058823529/);
});

test('the terminal table and the Markdown export show the same rows and numbers', async () => {
  const { comparisonToText, formatRow } = await import('./compare');
  const events = [{ type: 'decompose' as const, paramsAfter: 12345 }] as unknown as NonNullable<Parameters<typeof compareRuns>[0][number]['events']>;
  const c = compareRuns([baseline, { ...decomposed, events }]);
  assert.equal(c.rows[1].paramsDecomposed, 12345);
  const text = comparisonToText(c).split('\n');
  const md = comparisonToMarkdown(c).trim().split('\n');
  assert.equal(text.length, md.length);
  const cells = (line: string) => line.split(/(?<!\\)\|/).slice(1, -1).map((x) => x.trim().replace(/\\\|/g, '|'));
  for (let i = 2; i < text.length; i++) assert.deepEqual(cells(text[i]), cells(md[i]));
  assert.deepEqual(cells(text[3]), formatRow(c.rows[1]));
  assert.match(text[3], /100\.0 k → 12\.3 k → 40\.0 k/);
  assert.equal(describeScenario(sampleConfig({ decomposeAt: null, reconstructAt: null, finetuneAfterTraining: 3 })), 'original 6 epochs, then decomposed (vbmf) and fine-tuned 3');
});

test('exports neutralise hostile run names: spreadsheet formulas get a leading quote, Markdown links and images stay text', () => {
  const evil = [
    '=HYPERLINK("http://x","y")',
    '+1+cmd|/c calc',
    '-2+3',
    '@SUM(A1:A2)',
    '\tTAB',
    '![pixel](https://evil.example/p.png) [click](https://evil.example)',
  ];
  const runs = evil.map((name, i) => ({ info: sampleRunInfo(`r${i}`, { name, config: sampleConfig({ decomposeAt: null }) }), metrics: sampleMetrics(3, null) }));
  const c = compareRuns(runs, 'r0');
  const csv = comparisonToCsv(c).trim().split('\r\n').slice(1);
  const nameCells = csv.map((row) => row.split(',')[1]);
  assert.equal(nameCells[0], `"'=HYPERLINK(""http://x""`);
  assert.equal(csv[1].split(',')[1], "'+1+cmd|/c calc");
  assert.equal(csv[2].split(',')[1], "'-2+3");
  assert.equal(csv[3].split(',')[1], "'@SUM(A1:A2)");
  assert.equal(csv[4].split(',')[1], "'\tTAB");
  // numbers stay numbers, negative ones too: the accuracy change column is never quoted
  const decomposedRun = { info: sampleRunInfo('worse', { config: sampleConfig({ decomposeAt: 1 }) }), metrics: sampleMetrics(3, 1).map((m) => ({ ...m, valAccuracy: 0.1 })) };
  const row = comparisonToCsv(compareRuns([runs[5], decomposedRun], 'r5')).trim().split('\r\n')[2].split(',');
  assert.match(row[row.length - 2], /^-\d/);
  const md = comparisonToMarkdown(c);
  assert.ok(!md.includes('!['), md);
  assert.ok(!/(?<!\\)\[click\]/.test(md), md);
  assert.match(md, /!\\\[pixel\\\]\(https:\/\/evil\.example\/p\.png\)/);
});
