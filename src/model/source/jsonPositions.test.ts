import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNodeAtLocation } from 'jsonc-parser/lib/esm/main.js';
import { parseModelJson } from '../modelJson';
import { JsonScanError, jsonLayerPositions, parseJsonTree } from './jsonPositions';
import { LineIndex, lineColumn } from './lines';

const FIX = join(__dirname, '..', '..', '..', 'fixtures', 'models');

test('parseJsonTree agrees with JSON.parse on the fixtures and reports the offset of a syntax error', () => {
  for (const f of ['small-cnn', 'residual-concat', 'no-weights']) {
    const text = readFileSync(join(FIX, f, 'model.json'), 'utf8');
    const root = parseJsonTree(text);
    assert.equal(root.type, 'object');
    assert.equal(root.offset + root.length, text.trimEnd().length);
  }
  assert.throws(
    () => parseJsonTree('{"a": [1, 2,, 3]}'),
    (e: unknown) => e instanceof JsonScanError && e.offset === 12,
  );
  assert.throws(() => parseJsonTree('{"a": "x'), JsonScanError);
  assert.throws(() => parseJsonTree('{"a": 1} x'), JsonScanError);
  const s = parseJsonTree('{"k\\u0041\\n": -1.5e3}');
  const prop = s.children![0];
  assert.equal(prop.children![0].value, 'kA\n');
  assert.equal(prop.children![1].value, -1500);
  // Strict JSON, as JSON.parse: no comments, no trailing commas; a leading BOM is skipped.
  assert.throws(
    () => parseJsonTree('{"a": 1 /* c */}'),
    (e: unknown) => e instanceof JsonScanError && e.offset === 8 && /comments are not allowed/.test(e.message),
  );
  assert.throws(
    () => parseJsonTree('[1, 2,]'),
    (e: unknown) => e instanceof JsonScanError && e.offset === 6,
  );
  const bom = parseJsonTree('\ufeff{"a": 1}');
  assert.equal(bom.offset, 1);
  assert.equal(findNodeAtLocation(bom, ['a'])!.offset, 7);
  // Nesting deeper than the parser's recursion: an error, not a crash.
  assert.throws(() => parseJsonTree('['.repeat(200_000) + ']'.repeat(200_000)), JsonScanError);
});

test('jsonLayerPositions: every layer of a one-line fixture, named as parseModelJson names them', () => {
  const path = join(FIX, 'small-cnn', 'model.json');
  const text = readFileSync(path, 'utf8');
  const pos = jsonLayerPositions(text);
  const model = parseModelJson(text, path);
  assert.deepEqual(
    pos.layers.map((l) => l.name),
    model.layers.map((l) => l.name),
  );
  assert.deepEqual(
    pos.layers.map((l) => l.className),
    ['Conv2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Conv2D', 'Flatten', 'Dense'],
  );
  for (const l of pos.layers) {
    const obj = JSON.parse(text.slice(l.start, l.end)) as { config: { name: string } };
    assert.equal(obj.config.name, l.name);
    assert.equal(l.line, 0);
  }
  assert.equal(text.slice(pos.topologyOffset, pos.topologyOffset + 15), '"modelTopology"');
});

test('jsonLayerPositions on pretty-printed functional JSON: one line per layer start', () => {
  const path = join(FIX, 'residual-concat', 'model.json');
  const pretty = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')), null, 2);
  const pos = jsonLayerPositions(pretty);
  const model = parseModelJson(pretty, path);
  assert.deepEqual(
    pos.layers.map((l) => l.name),
    model.layers.map((l) => l.name),
  );
  const lines = pos.layers.map((l) => lineColumn(pretty, l.start).line);
  assert.deepEqual(
    pos.layers.map((l) => l.line),
    lines,
    'the line of each layer is the line of its start',
  );
  assert.equal(new Set(lines).size, lines.length, 'each layer object starts on its own line');
  const down = pos.layers.find((l) => l.name === 'down')!;
  assert.match(pretty.split('\n')[lineColumn(pretty, down.start).line], /^\s*\{\s*$/);
  // Not a Layers model: no layers, no throw.
  assert.deepEqual(jsonLayerPositions('{"name": "x", "version": "1"}').layers, []);
  assert.deepEqual(jsonLayerPositions('[{"modelTopology": {}}]'), { topologyOffset: 0, layers: [] });
  // Keras nesting under model_config, layer list directly as config (old Keras).
  const old = jsonLayerPositions(
    '{"modelTopology": {"model_config": {"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d"}}]}}}',
  );
  assert.deepEqual(
    old.layers.map((l) => l.name),
    ['d'],
  );
  // Unnamed layers are named as parseModelJson names them; objects without class_name are not layers.
  const unnamed = jsonLayerPositions(
    '{"modelTopology": {"config": {"layers": [{"class_name": "Dense", "config": {}}, {"config": {}}, {"class_name": "Flatten", "name": "f"}]}}}',
  );
  assert.deepEqual(
    unnamed.layers.map((l) => l.name),
    ['dense_0', 'f'],
  );
});

test('jsonLayerPositions: a 20,000-layer model.json (2 MB) in one parse, every position right', () => {
  const n = 20_000;
  const layers = Array.from({ length: n }, (_, i) => ({
    class_name: i % 2 ? 'Dense' : 'Conv2D',
    config: { name: `layer_${i}`, units: 4, trainable: true },
  }));
  const text = JSON.stringify(
    { format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { name: 'big', layers } } },
    null,
    2,
  );
  assert.ok(text.length > 2_000_000, `${text.length} chars`);
  // Its speed is a benchmark (test/e2e/bench-lens.ts), not an assertion: this machine is shared.
  const pos = jsonLayerPositions(text);
  assert.equal(pos.layers.length, n);
  const index = new LineIndex(text);
  const textLines = text.split('\n');
  for (const i of [0, 1, 9_999, n - 1]) {
    const l = pos.layers[i];
    assert.equal(l.name, `layer_${i}`);
    assert.equal(l.className, i % 2 ? 'Dense' : 'Conv2D');
    assert.deepEqual(JSON.parse(text.slice(l.start, l.end)), layers[i]);
    assert.equal(l.line, lineColumn(text, l.start).line);
    assert.equal(l.line, index.lineOf(l.start));
    assert.match(textLines[l.line], /^\s*\{$/);
  }
  // One layer object per 8 lines of JSON.stringify(…, null, 2), after the 7 lines of the header.
  assert.equal(pos.layers[n - 1].line - pos.layers[0].line, (n - 1) * 8);
});
