import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseXml, type XmlElement } from '../test/support/xml';
import { chartToSvg, logTicks, niceTicks, type SvgChart } from './chartSvg';

function all(e: XmlElement, name: string): XmlElement[] {
  return [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];
}

const chart = (over: Partial<SvgChart> = {}): SvgChart => ({
  title: 'Accuracy <vs> epoch & "time"',
  width: 640,
  height: 320,
  x: [1, 2, 3],
  series: [
    { label: 'train', color: '#3794ff', values: [0.9, 0.95, 0.97] },
    { label: 'validation', color: '#d18616', values: [0.92, null, 0.98], dash: [5, 3] },
  ],
  xKind: 'epoch',
  yKind: 'accuracy',
  xRange: [1, 3],
  yRange: [0.88, 1],
  logY: false,
  markers: [
    { x: 2, text: 'decomposed', color: '#f14c4c' },
    { x: 2.05, text: 'reconstructed', color: '#89d185' },
  ],
  colors: { background: '#1e1e1e', foreground: '#ccc', grid: '#333' },
  font: { family: 'Segoe "UI"', size: 12 },
  ...over,
});

test('the SVG is well-formed, escapes text, and has one path per series with data and the markers', () => {
  const root = parseXml(chartToSvg(chart()));
  assert.equal(root.name, 'svg');
  const paths = all(root, 'path');
  assert.deepEqual(
    paths.map((p) => p.attrs['aria-label']),
    ['train', 'validation'],
  );
  const texts = all(root, 'text').map((t) => t.text);
  assert.ok(texts.includes('Accuracy <vs> epoch & "time"'));
  assert.ok(texts.includes('100%'));
  assert.ok(texts.includes('decomposed') && texts.includes('reconstructed'));
  // Few points: each is drawn as a dot too (5 values, one missing).
  assert.equal(all(root, 'circle').length, 5);
  // Colliding marker labels sit on different rows.
  const ys = all(root, 'text')
    .filter((t) => t.text === 'decomposed' || t.text === 'reconstructed')
    .map((t) => t.attrs.y);
  assert.notEqual(ys[0], ys[1]);
});

test('log scale: non-positive values are left out, ticks are powers of ten', () => {
  const svg = chartToSvg(
    chart({ yKind: 'loss', logY: true, yRange: [0.01, 10], series: [{ label: 'loss', color: '#fff', values: [5, 0, 0.02] }] }),
  );
  const root = parseXml(svg);
  assert.equal(all(root, 'circle').length, 2);
  assert.deepEqual(logTicks(0.01, 10), [0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(0.3, 4), [0.5, 1, 2]);
});

test('nice ticks cover the range with round steps', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.88, 1, 6), [0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});
