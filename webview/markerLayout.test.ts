import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutMarkerLabels } from './markerLayout';

const overlaps = (a: { left: number; w: number }, b: { left: number; w: number }) => a.left < b.left + b.w && b.left < a.left + a.w;

test('labels far apart share the top row, to the right of their lines', () => {
  const p = layoutMarkerLabels(
    [
      { x: 100, width: 60 },
      { x: 300, width: 70 },
    ],
    40,
    600,
  );
  assert.deepEqual(p, [
    { left: 103, row: 0 },
    { left: 303, row: 0 },
  ]);
});

test('labels that would collide are stacked on separate rows and never overlap in a row', () => {
  const labels = [
    { x: 200, width: 70 },
    { x: 206, width: 80 },
    { x: 212, width: 60 },
    { x: 500, width: 60 },
  ];
  const p = layoutMarkerLabels(labels, 40, 600);
  assert.deepEqual(
    p.map((q) => q.row),
    [0, 1, 2, 0],
  );
  for (let i = 0; i < p.length; i++)
    for (let j = i + 1; j < p.length; j++)
      if (p[i].row === p[j].row) assert.ok(!overlaps({ left: p[i].left, w: labels[i].width }, { left: p[j].left, w: labels[j].width }));
});

test('a label near the right edge goes to the left of its line and stays inside the plot', () => {
  const [p] = layoutMarkerLabels([{ x: 590, width: 80 }], 40, 600);
  assert.equal(p.left, 590 - 3 - 80);
  const [q] = layoutMarkerLabels([{ x: 45, width: 700 }], 40, 600); // wider than the plot: clamped to its left
  assert.equal(q.left, 40);
});

test('input order is kept in the result', () => {
  const p = layoutMarkerLabels(
    [
      { x: 400, width: 50 },
      { x: 100, width: 50 },
    ],
    0,
    800,
  );
  assert.equal(p[0].left, 403);
  assert.equal(p[1].left, 103);
});
