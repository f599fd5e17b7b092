import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './jsTokenizer';

test('tokenize skips comments, strings, templates and regexes', () => {
  const src =
    "const a = 'tf.sequential()'; // tf.sequential()\n/* layers.conv2d( */ const r = /[/(]/g; const t = `x ${ {a: '}'} } y`; b = a / 2 / 3;";
  const toks = tokenize(src);
  assert.ok(!toks.some((t) => t.kind === 'ident' && t.text === 'sequential'));
  assert.deepEqual(
    toks.filter((t) => t.kind === 'regex').map((t) => t.text),
    ['/[/(]/g'],
  );
  assert.deepEqual(toks.filter((t) => t.kind === 'template').length, 1);
  assert.equal(toks.filter((t) => t.text === '/' && t.kind === 'punct').length, 2);
});
